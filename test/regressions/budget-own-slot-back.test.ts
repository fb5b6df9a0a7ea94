// Found by test/reliability/model.test.ts once it learnt the connection budget (seed -1683751261).
// A pool that discards its own connection gives its budget slot back, so it knows there is room.
// Yet an endpoint the budget had refused went on waiting for the next poll (pollInterval, by
// default half a second) before it tried again, and with no acquirer waiting at that moment it
// never tried at all: its next acquirer queued behind a budget long since free.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/testing/index.ts';
import { closePool, makePool, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: a slot of its own given back', () => {
  const clock = useFakeClock();

  it('lets the waiter the budget refused create at once', async () => {
    const budget = new MemoryBudget({ limit: 1, pollInterval: 60_000 });
    const { pool } = makePool({ maxSize: 2, budget });
    const first = await pool.acquire('a');
    const second = track(pool.acquire('a'));
    await settle(clock);
    assert.equal(second.state, 'pending', 'refused: the budget is full');
    await pool.discard(first);
    await settle(clock);
    assert.equal(second.state, 'fulfilled', 'served without waiting for the poll');
    assert.deepEqual(
      budget.claims.map((c) => c.answer),
      [true, false, true],
    );
    await pool.release(second.value!);
    await closePool(pool, clock);
  });

  it('lets a refill the budget refused try again', async () => {
    const budget = new MemoryBudget({ limit: 1, pollInterval: 60_000 });
    const { pool } = makePool({ maxSize: 2, minIdle: 2, maintainMinIdle: true, budget });
    const first = await pool.acquire('a');
    await settle(clock);
    assert.deepEqual(
      budget.claims.map((c) => c.answer),
      [true, false],
      'the refill was refused',
    );
    await pool.discard(first);
    await settle(clock);
    assert.deepEqual(
      budget.claims.map((c) => c.answer),
      [true, false, true, false],
      'refilled at once, as far as the budget lets',
    );
    assert.deepEqual(
      pool.stats().endpoints.map((e) => [e.size, e.idle]),
      [[1, 1]],
    );
    await closePool(pool, clock);
  });
});
