// Found by test/reliability/model.test.ts once it learnt the connection budget (seed -1871424515).
// When the budget refused the slot of a create that no acquirer waited for (a maintainMinIdle
// refill, a prewarm), the endpoint was marked full but nothing polled the budget. An acquirer that
// came later queued behind the full budget and was never woken, even once room came back: it
// waited until its timeout. It must be served by the next poll.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/testing/index.ts';
import { closePool, makePool, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: acquirer behind a budget refused to a refill', () => {
  const clock = useFakeClock();

  it('is served by the next poll once room comes back', async () => {
    const budget = new MemoryBudget({ limit: 1, pollInterval: 10 });
    const { pool } = makePool({ maxSize: 2, minIdle: 2, maintainMinIdle: true, budget });
    const first = await pool.acquire('a');
    await settle(clock);
    assert.deepEqual(
      budget.claims.map((c) => c.answer),
      [true, false],
      'the refill after the first create was refused',
    );
    const second = track(pool.acquire('a'));
    await settle(clock);
    assert.equal(second.state, 'pending');
    budget.lose('a', first);
    await clock.tickAsync(15); // a poll comes within 1.5 × pollInterval
    assert.equal(second.state, 'fulfilled');
    assert.equal(budget.held('a'), 1);
    await pool.release(first);
    await pool.release(second.value!);
    await closePool(pool, clock);
  });
});
