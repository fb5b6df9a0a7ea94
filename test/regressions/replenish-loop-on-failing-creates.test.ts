// Found by test/reliability/model.test.ts (seed 2, 10,000 runs). With maintainMinIdle and no
// create backoff (createRetryDelay 0), once creates fail, an acquire of another endpoint starts a
// loop of creates that never yields to the timers: the acquire's deadline (rule 6) cannot end it
// and the process spins. The guard below makes creates hang after 1,000 calls, so that the test
// fails instead of hanging.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hangCreatesAfter, makePool, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: maintainMinIdle retries failing creates in a loop', () => {
  const clock = useFakeClock();

  it('failing creates without backoff do not spin', async () => {
    // The options of the shrunk counterexample.
    const { pool, mock } = makePool({
      maxSize: 2,
      totalMaxSize: 2,
      minIdle: 2,
      maintainMinIdle: true,
      createRetryDelay: 0,
      createRetryMaxDelay: 0,
      acquireTimeout: 1,
      createTimeout: 5,
      disposeTimeout: 5,
      idleTimeout: 0,
      maxLifetime: 20,
      maxWaiters: 0,
      skipAlivenessCheckWithin: 1,
      backgroundCollector: false,
    });
    await pool.acquire('a');
    await settle(clock);
    mock.set('create', { error: new Error('down') });
    hangCreatesAfter(mock, 1_000);

    // No time passes: whatever happens now happens in one turn of the event loop.
    const acquiring = track(
      pool.acquire('b', { timeout: 1, signal: new AbortController().signal }),
    );
    await settle(clock);
    assert.ok(mock.callsOf('create').length < 20, `${mock.callsOf('create').length} creates`);
    assert.equal(acquiring.state, 'rejected');
  });
});
