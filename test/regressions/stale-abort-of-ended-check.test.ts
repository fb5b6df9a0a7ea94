// Found by the re-entrant model test (issue 10). An acquirer that timed out while its onAcquire ran
// aborted its connection's check context after the check had ended; the context was reused, so
// the next check of that connection started aborted and the next acquirer was rejected at once
// with the first one's timeout error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolTimeoutError } from '../../src/index.ts';
import { MockConnectionManager } from '../../src/testing/index.ts';
import { closePool, makePool, rejected, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: an abort meant for a check that has ended', () => {
  const clock = useFakeClock();

  it('does not reach the next check of the connection', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    await pool.prewarm('a', 1);
    mock.once('onAcquire', { delay: 50 });
    const first = track(pool.acquire('a', { timeout: 10 }));
    await clock.tickAsync(10);
    assert.ok(rejected(first) instanceof ConnectionPoolTimeoutError);
    await clock.tickAsync(40); // onAcquire ends; the connection goes back to idle
    const second = track(pool.acquire('a', { timeout: 1_000 }));
    await settle(clock);
    assert.equal(second.state, 'fulfilled');
    assert.equal(mock.aborted.length, 0);
    await pool.release(await second.promise);
    await closePool(pool, clock);
  });
});

describe('regression: an abort meant for a synchronous check that has ended', () => {
  const clock = useFakeClock();

  // Found by the model test in CI: a synchronous check never reset its context, so an abort of
  // the acquirer during its onAcquire reached the next check of the connection.
  it('does not reach the next check of the connection', async () => {
    const { pool, mock } = makePool(
      { minIdle: 0, maxSize: 1 },
      new MockConnectionManager({ sync: true }),
    );
    await pool.prewarm('a', 1);
    mock.once('onAcquire', { delay: 1 });
    const controller = new AbortController();
    const first = track(pool.acquire('a', { signal: controller.signal }));
    controller.abort(new Error('abort of the first'));
    await clock.tickAsync(1);
    assert.match(String(rejected(first)), /abort of the first/);
    const second = track(pool.acquire('a', { timeout: 1_000 }));
    await settle(clock);
    assert.equal(second.state, 'fulfilled');
    await pool.release(await second.promise);
    await closePool(pool, clock);
  });
});
