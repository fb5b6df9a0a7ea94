// Found by test/reliability/model.test.ts (seed -1174755321). An endpoint refused by its budget
// probes on the poll; while the probe's create is in flight it covers the one acquirer waiting,
// and the endpoint stops polling. An acquirer that queued meanwhile was left without a poll when
// that create failed: nothing woke it again, and with no acquireTimeout it waited for ever.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred, MemoryBudget } from '../../src/testing/index.ts';
import { closePool, makePool, rejected, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: a failed probe of a budget-full endpoint', () => {
  const clock = useFakeClock();

  it('leaves the acquirers behind it waiting for the next poll, which serves them', async () => {
    const budget = new MemoryBudget({ limit: 1, pollInterval: 10 });
    const { pool, mock } = makePool({
      maxSize: 1,
      acquireTimeout: Number.POSITIVE_INFINITY,
      createRetryDelay: 0,
      budget,
    });
    budget.holdOthers('db', 1);
    const first = track(pool.acquire('db'));
    await settle(clock);
    const gate = deferred();
    mock.once('create', { gate: gate.promise, error: new Error('connect failed') });
    await clock.tickAsync(30); // a poll: the probe's create hangs, later polls find nothing to do
    assert.equal(mock.callsOf('create').length, 2, 'the refused create and the probe');
    const second = track(pool.acquire('db'));
    budget.holdOthers('db', 0);
    gate.resolve();
    await settle(clock);
    assert.equal((rejected(first) as Error).message, 'connect failed');
    assert.equal(second.state, 'pending', String(second.reason));
    await clock.tickAsync(20);
    assert.equal(second.state, 'fulfilled', 'served by the next probe');
    assert.deepEqual(
      budget.claims.map((c) => c.answer),
      [false, true],
    );
    assert.equal(mock.callsOf('create').length, 3);
    await pool.release(second.value!);
    await closePool(pool, clock);
  });
});
