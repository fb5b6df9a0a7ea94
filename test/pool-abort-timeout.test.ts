// SPEC rule 6 (one deadline), rule 7 (abort), decisions 6 and 7 (timeout 0, createTimeout).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolError, ConnectionPoolTimeoutError } from '../src/index.ts';
import { deferred } from '../src/testing/index.ts';
import {
  assertHeldTimers,
  assertSizes,
  disposeReasons,
  eventsOf,
  fulfilled,
  makePool,
  pending,
  rejected,
  settle,
  sizes,
  timersDue,
  track,
  useFakeClock,
} from './helpers/pool.ts';

function assertTimeout(err: unknown, endpoint: string, ms: number): ConnectionPoolTimeoutError {
  assert.ok(
    err instanceof ConnectionPoolTimeoutError,
    `expected ConnectionPoolTimeoutError, got ${String(err)}`,
  );
  assert.ok(err instanceof ConnectionPoolError);
  assert.equal(err.code, 'ERR_POOL_TIMEOUT');
  assert.ok(err.message.includes(endpoint), `message names the endpoint: ${err.message}`);
  assert.ok(err.message.includes(String(ms)), `message names the limit ${ms}: ${err.message}`);
  return err;
}

describe('one deadline (rule 6)', () => {
  const clock = useFakeClock();

  it('timeout bounds queueing; the timeout event names the endpoint; nothing leaks', async () => {
    const { pool, log } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('db-1');
    const t = track(pool.acquire('db-1', { timeout: 1000 }));
    await clock.tickAsync(999);
    pending(t);
    await clock.tickAsync(1);
    const err = assertTimeout(rejected(t), 'db-1', 1000);
    assert.equal(err.cause, undefined, 'no create or check error: no cause');
    assert.deepEqual(eventsOf(log, 'timeout'), [{ endpoint: 'db-1' }]);
    assert.deepEqual(sizes(pool, 'db-1'), { all: 1, acquired: 1, idle: 0 });
    await pool.release(c1);
    assert.deepEqual(
      sizes(pool, 'db-1'),
      { all: 1, acquired: 0, idle: 1 },
      'the gone waiter does not take it',
    );
  });

  it('the default timeout is acquireTimeout (30 000 ms by default)', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const t = track(pool.acquire('a'));
    await clock.tickAsync(29_999);
    pending(t);
    await clock.tickAsync(1);
    assertTimeout(rejected(t), 'a', 30_000);
    const custom = makePool({ minIdle: 0, maxSize: 1, acquireTimeout: 500 });
    await custom.pool.acquire('a');
    const t2 = track(custom.pool.acquire('a'));
    await clock.tickAsync(499);
    pending(t2);
    await clock.tickAsync(1);
    assertTimeout(rejected(t2), 'a', 500);
    assert.ok(c1);
  });

  it('timeout bounds the create; the create goes on and its connection becomes idle', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    mock.set('create', { delay: 5000 });
    const t = track(pool.acquire('a', { timeout: 1000 }));
    await clock.tickAsync(1000);
    assertTimeout(rejected(t), 'a', 1000);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 0 }, 'the create still counts');
    assert.deepEqual(mock.aborted, [], 'the create is not aborted by the acquire timeout');
    await clock.tickAsync(4000);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
    assert.equal(mock.created.length, 1);
    assert.deepEqual(mock.disposed, []);
  });

  it('one deadline covers queueing and the create that follows', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const t = track(pool.acquire('a', { timeout: 1000 }));
    await clock.tickAsync(600);
    mock.set('create', { delay: 500 });
    await pool.discard(c1);
    await clock.tickAsync(399);
    pending(t);
    await clock.tickAsync(1);
    assertTimeout(rejected(t), 'a', 1000);
    assert.equal(mock.callsOf('create').length, 2);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 0 });
    await clock.tickAsync(100);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
  });

  it('timeout bounds the aliveness check; the checked connection returns to idle', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.set('checkAliveness', { delay: 2000, ignoreSignal: true });
    const t = track(pool.acquire('a', { timeout: 1000 }));
    await clock.tickAsync(500);
    assert.deepEqual(
      sizes(pool, 'a'),
      { all: 1, acquired: 1, idle: 0 },
      'being checked counts as acquired',
    );
    await clock.tickAsync(500);
    assertTimeout(rejected(t), 'a', 1000);
    await clock.tickAsync(1000);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
    mock.set('checkAliveness');
    assert.equal(await pool.acquire('a'), c1);
    assert.equal(mock.created.length, 1);
  });

  it('dead connections found within the deadline are disposed even after the acquirer timed out', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 2 });
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.release(c1);
    await pool.release(c2);
    c1.alive = false;
    c2.alive = false;
    mock.set('checkAliveness', { delay: 600, ignoreSignal: true });
    const t = track(pool.acquire('a', { timeout: 1000 }));
    await clock.tickAsync(600);
    assert.deepEqual(disposeReasons(log), [[c2.id, 'dead']]);
    pending(t);
    await clock.tickAsync(400);
    assertTimeout(rejected(t), 'a', 1000);
    await clock.tickAsync(200);
    assert.deepEqual(disposeReasons(log), [
      [c2.id, 'dead'],
      [c1.id, 'dead'],
    ]);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    assert.equal(mock.callsOf('onConnectionDead').length, 2);
  });

  it('Infinity waits forever, per call and as acquireTimeout', async () => {
    for (const [options, acquireOptions] of [
      [{}, { timeout: Infinity }],
      [{ acquireTimeout: Infinity }, {}],
    ] as const) {
      const { pool, log } = makePool({ minIdle: 0, maxSize: 1, ...options });
      const c1 = await pool.acquire('a');
      const t = track(pool.acquire('a', acquireOptions));
      await clock.tickAsync(1_000_000); // well past acquireTimeout's default, within maxLifetime
      pending(t);
      await pool.release(c1);
      await settle(clock);
      assert.equal(fulfilled(t), c1);
      assert.deepEqual(eventsOf(log, 'timeout'), []);
    }
  });

  it('a settled acquire leaves no timer that holds the process; close leaves none', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1, backgroundCollector: false });
    const c1 = await pool.acquire('a', { timeout: 1000 });
    await pool.release(c1);
    const c2 = await pool.acquire('a', { timeout: 1000 });
    await settle(clock);
    assert.equal(c2, c1);
    // Armed by the first acquire for its deadline, and kept for the next one (a timer per
    // acquire cost more than the acquire).
    assert.deepEqual(timersDue(clock), [1000]);
    assertHeldTimers(clock, 0);
    await pool.release(c2);
    await pool.close();
    assert.deepEqual(timersDue(clock), []);
  });

  it('timeout is the last create error as cause when the endpoint is failing', async () => {
    // Without the create backoff of SPEC §7 (on by default), which would fail the next acquirers fast.
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, createRetryDelay: 0 });
    const err = new Error('connection refused');
    mock.once('create', { delay: 100, error: err }).once('create', { delay: 5000 });
    const x = track(pool.acquire('a', { timeout: 10_000 }));
    const y = track(pool.acquire('a', { timeout: 1000 }));
    await clock.tickAsync(100);
    assert.equal(rejected(x), err, 'the failed create rejects the oldest waiter (decision 4)');
    pending(y);
    await clock.tickAsync(900);
    const timeout = assertTimeout(rejected(y), 'a', 1000);
    assert.equal(timeout.cause, err);
  });
});

describe('timeout 0 (rule 6, decision 6)', () => {
  const clock = useFakeClock();

  it('takes an idle connection; its check may take longer than 0 ms', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.set('checkAliveness', { delay: 500 });
    const t = track(pool.acquire('a', { timeout: 0 }));
    await clock.tickAsync(499);
    pending(t);
    await clock.tickAsync(1);
    assert.equal(fulfilled(t), c1);
  });

  it('creates with free capacity; the create is bounded by createTimeout, not by 0', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, createTimeout: 10_000 });
    mock.set('create', { delay: 5000 });
    const t = track(pool.acquire('a', { timeout: 0 }));
    await clock.tickAsync(4999);
    pending(t);
    await clock.tickAsync(1);
    assert.equal(fulfilled(t).id, 1);
    mock.set('create', { delay: 50_000 });
    const t2 = track(pool.acquire('b', { timeout: 0 }));
    await clock.tickAsync(10_000);
    assertTimeout(rejected(t2), 'b', 10_000);
    assert.deepEqual(sizes(pool, 'b'), { all: 0, acquired: 0, idle: 0 });
  });

  it('fails at once without idle connection or capacity, and queues behind nobody', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const t = track(pool.acquire('a', { timeout: 0 }));
    await settle(clock);
    assert.equal(clock.now, 0);
    assertTimeout(rejected(t), 'a', 0);
    assert.deepEqual(eventsOf(log, 'timeout'), [{ endpoint: 'a' }]);
    await pool.release(c1);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
    assert.equal(mock.callsOf('create').length, 1);
  });

  it('fails at once when only total capacity is missing and nothing can be evicted', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1, totalMaxSize: 1 });
    await pool.acquire('a');
    const t = track(pool.acquire('b', { timeout: 0 }));
    await settle(clock);
    assertTimeout(rejected(t), 'b', 0);
    assert.equal(pool.size, 1);
  });
});

describe('createTimeout (decision 7)', () => {
  const clock = useFakeClock();

  it('a create exceeding createTimeout fails like a create error and its signal aborts', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, createTimeout: 3000 });
    mock.set('create', { delay: 50_000 });
    const t = track(pool.acquire('a', { timeout: 10_000 }));
    await clock.tickAsync(2999);
    pending(t);
    assert.equal(pool.size, 1);
    await clock.tickAsync(1);
    const err = assertTimeout(rejected(t), 'a', 3000);
    assert.equal(pool.size, 0);
    assert.equal(mock.aborted.length, 1);
    assert.equal(mock.aborted[0]?.hook, 'create');
    const errors = eventsOf(log, 'createError');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.endpoint, 'a');
    assert.equal(errors[0]?.error, err);
  });

  it('createTimeout bounds a create whose acquirer has gone', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, createTimeout: 3000 });
    mock.set('create', { delay: 50_000 });
    const t = track(pool.acquire('a', { timeout: 100 }));
    await clock.tickAsync(100);
    assertTimeout(rejected(t), 'a', 100);
    assert.equal(pool.size, 1);
    await clock.tickAsync(2900);
    assert.equal(pool.size, 0);
    assert.equal(mock.aborted.length, 1);
  });

  it('a connection that still arrives after createTimeout is disposed; the waiter is not served by it', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, createTimeout: 3000 });
    mock.once('create', { delay: 5000, ignoreSignal: true });
    const t = track(pool.acquire('a', { timeout: 10_000 }));
    await clock.tickAsync(3000);
    assertTimeout(rejected(t), 'a', 3000);
    assert.equal(pool.size, 0);
    await clock.tickAsync(2000);
    assert.equal(mock.created.length, 1);
    assert.deepEqual(mock.disposed, mock.created);
    assert.equal(pool.size, 0);
    const again = await pool.acquire('a');
    assert.equal(again.id, 2);
  });
});

describe('abort (rule 7)', () => {
  const clock = useFakeClock();

  it('an already aborted signal rejects with signal.reason even if an idle connection exists', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    const callsBefore = mock.calls.length;
    const ac = new AbortController();
    const reason = new Error('caller gave up');
    ac.abort(reason);
    const t = track(pool.acquire('a', { signal: ac.signal }));
    await settle(clock);
    assert.equal(rejected(t), reason);
    const t2 = track(pool.acquire('b', { signal: ac.signal }));
    await settle(clock);
    assert.equal(rejected(t2), reason, 'also with free capacity');
    assert.equal(mock.calls.length, callsBefore, 'no check, no create');
    assertSizes(pool, 1, [
      ['a', 1, 0, 1],
      ['b', 0, 0, 0],
    ]);
  });

  it('abort() without a reason rejects with the signal default reason', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    await pool.acquire('a');
    const ac = new AbortController();
    const t = track(pool.acquire('a', { signal: ac.signal }));
    await settle(clock);
    ac.abort();
    await settle(clock);
    assert.equal(rejected(t), ac.signal.reason);
    assert.equal((ac.signal.reason as Error).name, 'AbortError');
  });

  it('abort while queued rejects at once; the next waiter keeps its place', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const ac = new AbortController();
    const w1 = track(pool.acquire('a', { signal: ac.signal }));
    const w2 = track(pool.acquire('a'));
    await clock.tickAsync(10);
    const reason = new Error('stop');
    ac.abort(reason);
    await settle(clock);
    assert.equal(rejected(w1), reason);
    pending(w2);
    assert.equal(clock.now, 10);
    await pool.release(c1);
    await settle(clock);
    assert.equal(fulfilled(w2), c1);
    assert.equal(mock.created.length, 1);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('abort during the create: the create finishes and its connection becomes idle', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    mock.set('create', { delay: 1000 });
    const ac = new AbortController();
    const t = track(pool.acquire('a', { signal: ac.signal }));
    await clock.tickAsync(100);
    ac.abort();
    await settle(clock);
    assert.equal(rejected(t), ac.signal.reason);
    assert.equal(clock.now, 100);
    assertSizes(pool, 1, [['a', 1, 0, 0]]);
    await clock.tickAsync(900);
    assert.deepEqual(mock.aborted, []);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('abort during the check: the connection goes to the next waiter', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    const gate = deferred();
    mock.once('checkAliveness', { gate: gate.promise, ignoreSignal: true });
    const ac = new AbortController();
    const x = track(pool.acquire('a', { signal: ac.signal }));
    const y = track(pool.acquire('a'));
    await settle(clock);
    ac.abort();
    await settle(clock);
    assert.equal(rejected(x), ac.signal.reason);
    pending(y);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(y), c1);
    assert.equal(mock.created.length, 1);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('abort during the check of a dead connection: it is disposed and the next waiter gets a new one', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    const gate = deferred();
    mock.once('checkAliveness', { gate: gate.promise, alive: false, ignoreSignal: true });
    const ac = new AbortController();
    const x = track(pool.acquire('a', { signal: ac.signal }));
    const y = track(pool.acquire('a'));
    await settle(clock);
    ac.abort();
    await settle(clock);
    assert.equal(rejected(x), ac.signal.reason);
    gate.resolve();
    await settle(clock);
    assert.deepEqual(disposeReasons(log), [[c1.id, 'dead']]);
    assert.equal(fulfilled(y).id, 2);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('abort after the acquire resolved changes nothing', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const ac = new AbortController();
    const c1 = await pool.acquire('a', { signal: ac.signal });
    ac.abort();
    await settle(clock);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    await pool.release(c1);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });
});
