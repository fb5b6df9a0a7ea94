// Found by test/reliability/model.test.ts once it learnt the connection budget (seed 261573807).
// With a budget an endpoint creates one connection at a time. At a full pool the second of two
// acquirers was to evict an idle connection once the first create ended, but its endpoint sat in
// the line of endpoints waiting for total capacity, first in it, and the pool let it wait behind
// itself: it stayed queued beside an idle connection until its timeout (rule 4).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/testing/index.ts';
import { closePool, makePool, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: the next create of a budgeted endpoint at a full pool', () => {
  const clock = useFakeClock();

  it('evicts an idle connection, as the first did', async () => {
    const budget = new MemoryBudget({ limit: 2 });
    const { pool, log } = makePool({ maxSize: 2, totalMaxSize: 3, minIdle: 0, budget });
    const held = await pool.acquire('a');
    await pool.prewarm('b', 2);
    const first = track(pool.acquire('c'));
    const second = track(pool.acquire('c'));
    await settle(clock);
    assert.deepEqual([first.state, second.state], ['fulfilled', 'fulfilled']);
    assert.deepEqual(
      log.filter((e) => e.event === 'dispose').map((e) => [e.payload.endpoint, e.payload.reason]),
      [
        ['b', 'evicted'],
        ['b', 'evicted'],
      ],
    );
    await pool.release(held);
    await pool.release(first.value!);
    await pool.release(second.value!);
    await closePool(pool, clock);
  });
});
