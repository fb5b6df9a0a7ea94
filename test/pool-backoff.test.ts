// SPEC §7 createRetryDelay / createRetryMaxDelay: create backoff and EndpointUnavailableError.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolError, EndpointUnavailableError } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import {
  assertHeldTimers,
  closePool,
  eventsOf,
  fulfilled,
  makePool,
  pending,
  rejected,
  settle,
  timersDue,
  track,
  useFakeClock,
} from './helpers/pool.ts';

function assertUnavailable(err: unknown, endpoint: string, cause: unknown): void {
  assert.ok(err instanceof EndpointUnavailableError, `expected EndpointUnavailableError: ${err}`);
  assert.ok(err instanceof ConnectionPoolError);
  assert.equal(err.code, 'ERR_POOL_ENDPOINT_UNAVAILABLE');
  assert.equal(err.cause, cause, 'cause: the last create error');
  assert.ok(err.message.includes(JSON.stringify(endpoint)), `names the endpoint: ${err.message}`);
  assert.ok(err.message.includes('createRetryDelay'), `names the limit: ${err.message}`);
}

describe('create backoff (SPEC §7)', () => {
  const clock = useFakeClock();

  it('by default: the failed acquirer gets the create error, the queued ones and newcomers fail fast for 100 ms', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const err = new Error('refused');
    mock.once('create', { delay: 10, error: err });
    const x = track(pool.acquire('a'));
    const y = track(pool.acquire('a'));
    await clock.tickAsync(10);
    assert.equal(rejected(x), err, 'rule 9: the create error itself');
    assertUnavailable(rejected(y), 'a', err);
    await clock.tickAsync(99);
    const z = track(pool.acquire('a'));
    await settle(clock);
    assertUnavailable(rejected(z), 'a', err);
    assert.equal(mock.callsOf('create').length, 1, 'no create while the endpoint waits');
    await clock.tickAsync(1);
    const c = await pool.acquire('a');
    assert.equal(c.id, 2);
    assert.equal(mock.callsOf('create').length, 2);
    assert.deepEqual(pool.stats().endpoints[0], {
      endpoint: 'a',
      size: 1,
      idle: 0,
      acquired: 1,
      creating: 0,
      waiting: 0,
    });
  });

  it('100 waiting acquirers of a dead endpoint cause one create, fail fast with the real cause, and the endpoint recovers by itself', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const err = new Error('ECONNREFUSED');
    mock.set('create', { delay: 5, error: err });
    const waiters = Array.from({ length: 100 }, () => track(pool.acquire('a')));
    await settle(clock);
    assert.equal(pool.stats().waiting, 100);
    await clock.tickAsync(5);
    assert.equal(rejected(waiters[0]!), err);
    for (const w of waiters.slice(1)) assertUnavailable(rejected(w), 'a', err);
    assert.equal(mock.callsOf('create').length, 1);
    assert.equal(pool.stats().waiting, 0);

    // Acquirers keep coming every 10 ms for 3 s: only one create per wait (100, then doubling).
    let failedFast = 0;
    for (let t = 0; t < 3000; t += 10) {
      const a = track(pool.acquire('a'));
      await clock.tickAsync(10);
      if (rejected(a) instanceof EndpointUnavailableError) failedFast++;
    }
    const creates = mock.callsOf('create').length;
    assert.ok(creates >= 5 && creates <= 8, `one create per wait, got ${creates}`);
    assert.equal(failedFast, 300 - (creates - 1));

    // The server is back: after the current wait, the endpoint works again.
    mock.set('create');
    let got: MockConnection | undefined;
    for (let i = 0; i < 400 && got === undefined; i++) {
      const a = track(pool.acquire('a'));
      await clock.tickAsync(10);
      if (a.state === 'fulfilled') got = a.value;
    }
    assert.ok(got !== undefined, 'recovered within the longest wait');
    assert.equal(pool.stats().totals.created, 1);
    await pool.release(got);
    await closePool(pool, clock);
  });

  it('creates already in flight when one fails count as one failure; they do not double the wait', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 3 });
    const err = new Error('refused');
    mock.set('create', { delay: 10, error: err });
    const waiters = [1, 2, 3].map(() => track(pool.acquire('a')));
    await clock.tickAsync(10);
    assert.equal(mock.callsOf('create').length, 3);
    assert.deepEqual(
      waiters.map((w) => rejected(w) === err),
      [true, false, false],
    );
    assert.equal(pool.stats().totals.createErrors, 3);
    await clock.tickAsync(99);
    await assert.rejects(pool.acquire('a'), EndpointUnavailableError);
    await clock.tickAsync(1);
    mock.set('create');
    assert.equal((await pool.acquire('a')).id, 4, 'the wait was 100 ms, not doubled');
  });

  it('waits double with jitter up to createRetryMaxDelay; a success resets them', async () => {
    const { pool, mock } = makePool({
      minIdle: 0,
      maxSize: 1,
      createRetryDelay: 100,
      createRetryMaxDelay: 1000,
    });
    const err = new Error('refused');
    mock.set('create', { error: err, sync: true });
    /** Fails one create, then returns how long the endpoint failed fast. */
    async function nextWait(): Promise<number> {
      const creates = mock.callsOf('create').length;
      await assert.rejects(pool.acquire('a'), err);
      assert.equal(mock.callsOf('create').length, creates + 1);
      let waited = 0;
      for (;;) {
        await clock.tickAsync(1);
        waited++;
        if (mock.callsOf('create').length > creates + 1) throw new Error('unexpected create');
        const probe = track(pool.acquire('a'));
        await settle(clock);
        if (!(probe.reason instanceof EndpointUnavailableError)) {
          assert.equal(probe.reason, err, 'let through: its create failed, the next wait begins');
          return waited;
        }
      }
    }
    const first = await nextWait();
    assert.equal(first, 100, 'the first wait is exactly createRetryDelay');
    // nextWait's probe already failed the next create: measure from there.
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      let waited = 0;
      for (;;) {
        await clock.tickAsync(1);
        waited++;
        const probe = track(pool.acquire('a'));
        await settle(clock);
        if (!(probe.reason instanceof EndpointUnavailableError)) break;
      }
      waits.push(waited);
    }
    const nominal = [200, 400, 800, 1000, 1000, 1000];
    waits.forEach((w, i) => {
      assert.ok(
        w >= nominal[i]! / 2 && w <= nominal[i]!,
        `wait ${i + 2} is ${w}, expected in [${nominal[i]! / 2}, ${nominal[i]}]`,
      );
    });
    // A success resets: the next failure waits createRetryDelay again.
    await clock.tickAsync(1000);
    mock.set('create');
    const c = await pool.acquire('a');
    await pool.discard(c);
    mock.set('create', { error: err, sync: true });
    assert.equal(await nextWait(), 100);
  });

  it('after the wait, one probe create at a time: its success lets the others create', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 3 });
    const err = new Error('refused');
    mock.once('create', { error: err });
    await assert.rejects(pool.acquire('a'), err);
    await clock.tickAsync(100);
    mock.once('create', { delay: 50 });
    const x = track(pool.acquire('a'));
    const y = track(pool.acquire('a'));
    await clock.tickAsync(49);
    assert.equal(mock.callsOf('create').length, 2, 'only the probe');
    pending(y);
    await clock.tickAsync(1);
    assert.equal(fulfilled(x).id, 2);
    await settle(clock);
    assert.equal(fulfilled(y).id, 3, 'the waiter behind the probe got its own create');
  });

  it('a failed probe fails the acquirers queued behind it fast', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 3 });
    const err1 = new Error('refused 1');
    const err2 = new Error('refused 2');
    mock.once('create', { error: err1 }).once('create', { delay: 50, error: err2 });
    await assert.rejects(pool.acquire('a'), err1);
    await clock.tickAsync(100);
    const x = track(pool.acquire('a'));
    const y = track(pool.acquire('a'));
    await clock.tickAsync(50);
    assert.equal(rejected(x), err2);
    assertUnavailable(rejected(y), 'a', err2);
    assert.equal(mock.callsOf('create').length, 2);
  });

  it('idle connections are still served while the endpoint waits', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.once('create', { error: new Error('refused') });
    const c2 = track(pool.acquire('a'));
    const c3 = track(pool.acquire('a')); // nothing idle left: it creates, and that fails
    await settle(clock);
    assert.equal(fulfilled(c2), c1);
    assert.equal((rejected(c3) as Error).message, 'refused');
    await pool.release(c1);
    assert.equal(await pool.acquire('a'), c1, 'an idle connection is served during the wait');
    await assert.rejects(pool.acquire('a'), EndpointUnavailableError);
  });

  it('other endpoints are not affected', async () => {
    const { pool, mock } = makePool({ minIdle: 0 });
    mock.once('create', { error: new Error('refused') });
    await assert.rejects(pool.acquire('a'), /refused/);
    await assert.rejects(pool.acquire('a'), EndpointUnavailableError);
    assert.equal((await pool.acquire('b')).endpoint, 'b');
  });

  it('a quiet endpoint in backoff is forgotten once createRetryMaxDelay has passed after its wait', async () => {
    const { pool, mock } = makePool({ minIdle: 0, createRetryMaxDelay: 5000 });
    mock.once('create', { error: new Error('refused') });
    await assert.rejects(pool.acquire('a'), /refused/);
    assert.deepEqual(
      pool.stats().endpoints.map((e) => e.endpoint),
      ['a'],
    );
    await clock.tickAsync(5099);
    assert.equal(pool.stats().endpoints.length, 1);
    await clock.tickAsync(1);
    assert.deepEqual(pool.stats().endpoints, []);
    // No backoff timer: only the acquire deadlines' (from the first acquire), holding nothing.
    assert.deepEqual(timersDue(clock), [30_000]);
    assertHeldTimers(clock, 0);
  });

  it('createRetryDelay 0 turns the backoff off: waiters get creates of their own (SPEC §4)', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, createRetryDelay: 0 });
    mock.set('create', { error: new Error('refused') });
    const waiters = [1, 2, 3].map(() => track(pool.acquire('a')));
    await settle(clock);
    assert.deepEqual(
      waiters.map((w) => (rejected(w) as Error).message),
      ['refused', 'refused', 'refused'],
    );
    assert.equal(eventsOf(log, 'createError').length, 3);
  });

  it('close during a wait: nothing is left behind', async () => {
    const { pool, mock } = makePool({ minIdle: 0 });
    mock.once('create', { error: new Error('refused') });
    await assert.rejects(pool.acquire('a'), /refused/);
    await closePool(pool, clock);
    assert.equal(clock.countTimers(), 0);
    await assert.rejects(pool.acquire('a'), { code: 'ERR_POOL_CLOSED' });
  });
});
