// Found by test/reliability/model.test.ts once it learnt the connection budget (seed 1233940000).
// With a budget, prewarm creates one connection after another until its endpoint has `count` idle
// ones. With idleTimeout 0 each connection it made was disposed as soon as it was idle, so there
// was always room for one more: prewarm created and disposed connections without end, never
// yielding to the timers. It must make at most `count` connections, like prewarm without a budget,
// and it stops once the endpoint is emptied: what it made does not stay.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/testing/index.ts';
import {
  closePool,
  hangCreatesAfter,
  makePool,
  settle,
  track,
  useFakeClock,
} from '../helpers/pool.ts';

describe('regression: prewarm with a budget and idleTimeout 0', () => {
  const clock = useFakeClock();

  it('makes at most count connections, and resolves', async () => {
    const budget = new MemoryBudget({ limit: 3 });
    const { pool, mock } = makePool({ maxSize: 3, minIdle: 0, idleTimeout: 0, budget });
    hangCreatesAfter(mock, 10);
    const prewarming = track(pool.prewarm('a', 2));
    await settle(clock);
    assert.equal(prewarming.state, 'fulfilled');
    assert.equal(mock.callsOf('create').length, 1, 'creates: the first left the endpoint empty');
    assert.equal(mock.callsOf('dispose').length, 1, 'disposed as idle at once');
    assert.equal(budget.claims.length, 1, 'claims');
    assert.equal(budget.held('a'), 0, 'slots given back');
    assert.equal(pool.size, 0);
    await closePool(pool, clock);
  });

  it('makes exactly count while the endpoint stays (one connection acquired)', async () => {
    const budget = new MemoryBudget({ limit: 3 });
    const { pool, mock } = makePool({ maxSize: 3, minIdle: 0, idleTimeout: 0, budget });
    hangCreatesAfter(mock, 10);
    const held = await pool.acquire('a');
    const prewarming = track(pool.prewarm('a', 2));
    await settle(clock);
    assert.equal(prewarming.state, 'fulfilled');
    assert.equal(mock.callsOf('create').length, 3, 'the acquired one and two for prewarm');
    assert.equal(pool.getEndpointPoolSize('a'), 1, 'only the acquired one stays');
    assert.equal(pool.size, 1);
    await pool.release(held);
    await closePool(pool, clock);
  });
});
