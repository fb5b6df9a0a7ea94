// Found by test/reliability/model.test.ts once it learnt the connection budget (seed 1101425265).
// Endpoints of one budget scope share its slots. When one waits for budget, the pool evicts its
// own idle connection of another endpoint of the scope, but only at the moment the budget refused:
// a connection of that other endpoint that became idle later stayed idle, holding the slot, while
// the waiter waited until its timeout. It must be evicted for the waiter, as under totalMaxSize.
// The same for a connection that turned idle while the refused endpoint had nobody waiting, when
// its next acquirer comes (seed -1697195313): it waited for the next poll.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/testing/index.ts';
import { closePool, makePool, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: idle connection of a budget scope while another endpoint waits', () => {
  const clock = useFakeClock();

  it('is evicted, and the waiter gets its slot', async () => {
    const budget = new MemoryBudget({ limit: 1, scope: () => 'db' });
    const { pool, mock, log } = makePool({ maxSize: 2, minIdle: 0, budget });
    const held = await pool.acquire('master');
    const waiting = track(pool.acquire('replica'));
    await settle(clock);
    assert.equal(waiting.state, 'pending', 'the budget refused the replica');
    await pool.release(held);
    await settle(clock);
    assert.equal(waiting.state, 'fulfilled');
    assert.equal(waiting.value?.endpoint, 'replica');
    assert.deepEqual(
      log.filter((e) => e.event === 'dispose').map((e) => [e.payload.endpoint, e.payload.reason]),
      [['master', 'evicted']],
    );
    assert.equal(mock.callsOf('create').length, 3, 'master, the refused replica, the replica');
    assert.equal(budget.held('replica'), 1);
    await pool.release(waiting.value!);
    await closePool(pool, clock);
  });

  it('is evicted for the next acquirer of an endpoint refused before', async () => {
    const budget = new MemoryBudget({ limit: 2, scope: () => 'db', pollInterval: 60_000 });
    const { pool, log } = makePool({ maxSize: 2, minIdle: 0, budget });
    const master = await pool.acquire('master');
    const replica = await pool.acquire('replica');
    const second = track(pool.acquire('replica'));
    await settle(clock);
    assert.equal(second.state, 'pending', 'the budget refused the second replica');
    await pool.release(replica);
    await settle(clock); // the waiter's onAcquire runs after the release is done
    assert.equal(second.value, replica, 'handed to the waiter');
    await pool.release(master);
    const third = track(pool.acquire('replica'));
    await settle(clock);
    assert.equal(third.state, 'fulfilled', 'at once, not at the next poll');
    assert.deepEqual(
      log.filter((e) => e.event === 'dispose').map((e) => [e.payload.endpoint, e.payload.reason]),
      [['master', 'evicted']],
    );
    await pool.release(second.value!);
    await pool.release(third.value!);
    await closePool(pool, clock);
  });
});
