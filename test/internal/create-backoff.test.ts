import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { EndpointPool } from '../../src/endpoint-pool.ts';
import { EndpointUnavailableError } from '../../src/errors.ts';
import { type BackoffOptions, CreateBackoff } from '../../src/internal/create-backoff.ts';
import { useFakeClock } from '../helpers/async.ts';

type Ep = EndpointPool<string, object>;

function setUp(options: Partial<BackoffOptions> = {}) {
  const woken: Array<[string, number]> = [];
  const backoff = new CreateBackoff<string, object>(
    { createRetryDelay: 100, createRetryMaxDelay: 1_000, maintainMinIdle: false, ...options },
    (ep) => woken.push([ep.key as string, Date.now()]),
  );
  return { backoff, woken, ep: new EndpointPool<string, object>('db', 'db') as Ep };
}

describe('CreateBackoff', () => {
  const clock = useFakeClock();
  const random = Math.random;
  afterEach(() => {
    Math.random = random;
  });

  it('waits createRetryDelay after the first failure, then doubles with jitter up to the cap', () => {
    const { backoff, ep } = setUp();
    backoff.failed(ep, 0, 1);
    assert.deepEqual([ep.failures, ep.retryAt, ep.failedMark], [1, 100, 1]);
    // Jitter draws from [0.5, 1) of the nominal wait: the least and the most it can be.
    const least: number[] = [];
    const most: number[] = [];
    for (const [draw, out] of [
      [0, least],
      [1, most],
    ] as const) {
      const { backoff: b, ep: e } = setUp();
      Math.random = () => draw;
      b.failed(e, 0, 1);
      for (let i = 2; i <= 6; i++) {
        b.failed(e, 1_000, i);
        out.push(e.retryAt - 1_000);
      }
    }
    assert.deepEqual(least, [100, 200, 400, 500, 500]);
    assert.deepEqual(most, [200, 400, 800, 1_000, 1_000]);
  });

  it('without maintainMinIdle wakes a quiet endpoint after retryAt + createRetryMaxDelay and forgets its failures', async () => {
    const { backoff, ep, woken } = setUp();
    backoff.failed(ep, 0, 1);
    await clock.tickAsync(1_099);
    assert.deepEqual(woken, []);
    await clock.tickAsync(1);
    assert.deepEqual(woken, [['db', 1_100]]);
    assert.deepEqual([ep.failures, ep.retryAt], [0, 0]);
    assert.equal(clock.countTimers(), 0);
  });

  it('without maintainMinIdle leaves an endpoint that is creating alone when it wakes', async () => {
    const { backoff, ep, woken } = setUp();
    backoff.failed(ep, 0, 1);
    ep.waiters.cover(); // a probe create in flight
    await clock.tickAsync(1_100);
    assert.deepEqual(woken, []);
    assert.deepEqual([ep.failures, ep.retryAt], [1, 100]);
  });

  it('with maintainMinIdle wakes the endpoint when its wait ends, failures kept', async () => {
    const { backoff, ep, woken } = setUp({ maintainMinIdle: true });
    backoff.failed(ep, 0, 1);
    await clock.tickAsync(100);
    assert.deepEqual(woken, [['db', 100]]);
    assert.deepEqual([ep.failures, ep.retryAt], [1, 100]);
  });

  it('a failure while waiting moves the wake-up of the same endpoint; recovery cancels it', async () => {
    const { backoff, ep, woken } = setUp({ maintainMinIdle: true });
    const other = new EndpointPool<string, object>('other', 'other');
    Math.random = () => 0;
    backoff.failed(ep, 0, 1);
    backoff.failed(other, 0, 1);
    backoff.failed(ep, 50, 2); // second failure: 50 + 200 * 0.5
    await clock.tickAsync(100);
    assert.deepEqual(woken, [['other', 100]]);
    backoff.recovered(ep);
    assert.deepEqual([ep.failures, ep.retryAt, ep.wake?.heapIndex], [0, 0, -1]);
    await clock.tickAsync(1_000);
    assert.deepEqual(woken, [['other', 100]]);
  });

  it('cancel stops the timer', async () => {
    const { backoff, ep, woken } = setUp();
    backoff.failed(ep, 0, 1);
    backoff.cancel();
    assert.equal(clock.countTimers(), 0);
    await clock.tickAsync(2_000);
    assert.deepEqual(woken, []);
  });

  it('unavailableError names the endpoint, the failures, the wait left and both options', () => {
    const { backoff, ep } = setUp();
    const cause = new Error('refused');
    ep.lastCreateError = cause;
    backoff.failed(ep, 0, 1);
    const error = backoff.unavailableError('db', ep, 39.5);
    assert.ok(error instanceof EndpointUnavailableError);
    assert.equal(
      error.message,
      'Endpoint "db" is unavailable: 1 create(s) in a row failed, the next may start in 61 ms ' +
        '(createRetryDelay 100 ms, createRetryMaxDelay 1000 ms)',
    );
    assert.equal(error.cause, cause);
  });
});
