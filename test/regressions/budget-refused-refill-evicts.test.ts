// A create the budget refused evicted an idle connection of another endpoint of its scope even
// when no acquirer waited for it: a `prewarm` or a `maintainMinIdle` refill, which never evict,
// took another endpoint's connection away and left its slot to nobody.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/testing/index.ts';
import { closePool, makePool, settle, useFakeClock } from '../helpers/pool.ts';

describe('regression: a refused create with no acquirer waiting for it', () => {
  const clock = useFakeClock();

  it('leaves the idle connections of its scope alone (prewarm)', async () => {
    const budget = new MemoryBudget({ limit: 1, scope: () => 'db', pollInterval: 60_000 });
    const { pool, log } = makePool({ maxSize: 2, minIdle: 1, budget });
    await pool.release(await pool.acquire('master'));
    await pool.prewarm('replica', 1);
    await settle(clock);
    assert.deepEqual(
      budget.claims.map((c) => [c.endpoint, c.answer]),
      [
        ['master', true],
        ['replica', false],
      ],
    );
    assert.deepEqual(
      log.filter((e) => e.event === 'dispose'),
      [],
      'the master keeps its idle connection',
    );
    assert.deepEqual(
      pool.stats().endpoints.map((e) => [e.endpoint, e.size, e.idle]),
      [['master', 1, 1]],
    );
    await closePool(pool, clock);
  });

  it('leaves the idle connections of its scope alone (maintainMinIdle refill)', async () => {
    const budget = new MemoryBudget({ limit: 2, scope: () => 'db', pollInterval: 60_000 });
    const { pool, log } = makePool({ maxSize: 2, minIdle: 1, maintainMinIdle: true, budget });
    await pool.prewarm('master');
    const replica = await pool.acquire('replica');
    budget.holdOthers('db', 1);
    await pool.discard(replica);
    await settle(clock);
    assert.deepEqual(
      budget.claims.map((c) => [c.endpoint, c.answer]),
      [
        ['master', true],
        ['replica', true],
        ['replica', false],
      ],
      'the replica refills after the discard, and is refused: another process took the slot',
    );
    assert.deepEqual(
      log.filter((e) => e.event === 'dispose').map((e) => [e.payload.endpoint, e.payload.reason]),
      [['replica', 'discarded']],
    );
    assert.deepEqual(
      pool.stats().endpoints.map((e) => [e.endpoint, e.size, e.idle]),
      [
        ['master', 1, 1],
        ['replica', 0, 0],
      ],
    );
    await closePool(pool, clock);
  });
});
