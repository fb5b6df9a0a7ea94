// SPEC rule 9 (hook errors), the core events, decisions 1 (sizes during hooks and disposal),
// 2 (when release/discard resolve), 11 (discard) and 13 (listeners).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPool } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import { deferred, MockConnectionManager } from '../src/testing/index.ts';
import {
  assertSizes,
  disposeReasons,
  eventsOf,
  fulfilled,
  makePool,
  pending,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('hook errors (rule 9)', () => {
  const clock = useFakeClock();

  for (const sync of [true, false]) {
    const how = sync ? 'throws' : 'rejects';

    it(`create ${how}: counts roll back and acquire rejects with that error`, async () => {
      // Without the create backoff of SPEC §7 (on by default), which would fail the next acquirers fast.
      const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, createRetryDelay: 0 });
      const err = new Error('refused');
      mock.once('create', { error: err, sync });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      assertSizes(pool, 0, [['a', 0, 0, 0]]);
      assert.deepEqual(eventsOf(log, 'createError'), [
        { endpoint: 'a', error: err, durationMs: 0 },
      ]);
      assert.deepEqual(eventsOf(log, 'create'), []);
      const c = await pool.acquire('a');
      assert.equal(c.id, 2);
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
    });

    it(`create ${how}: a waiter queued behind the failed create gets a connection of its own`, async () => {
      // Without the create backoff of SPEC §7 (on by default), which would fail the next acquirers fast.
      const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, createRetryDelay: 0 });
      const err = new Error('refused');
      mock.once('create', { error: err, sync, ...(sync ? {} : { delay: 10 }) });
      const x = track(pool.acquire('a'));
      const y = track(pool.acquire('a'));
      await clock.tickAsync(10);
      await settle(clock);
      assert.equal(rejected(x), err);
      assert.equal(fulfilled(y).id, 2);
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
    });

    it(`onAcquire ${how} for a fresh connection: it becomes idle and acquire rejects`, async () => {
      const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
      const err = new Error('setup failed');
      mock.once('onAcquire', { error: err, sync });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.deepEqual(mock.disposed, []);
      const c = await pool.acquire('a');
      assert.equal(c, mock.created[0]);
    });

    it(`onAcquire ${how} for a reused connection: it returns to idle and acquire rejects`, async () => {
      const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
      const c1 = await pool.acquire('a');
      await pool.release(c1);
      const err = new Error('setup failed');
      mock.once('onAcquire', { error: err, sync });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.equal(await pool.acquire('a'), c1);
      assert.equal(mock.created.length, 1);
    });

    it(`onAcquire ${how} for a handed-over connection: the waiter rejects, release resolves, the connection is idle`, async () => {
      const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
      const c1 = await pool.acquire('a');
      const waiter = track(pool.acquire('a'));
      await settle(clock);
      const err = new Error('setup failed');
      mock.once('onAcquire', { error: err, sync });
      const rel = track(pool.release(c1));
      await settle(clock);
      assert.equal(rejected(waiter), err);
      assert.equal(fulfilled(rel), undefined);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
    });

    it(`onRelease ${how}: the connection still returns to idle and release rejects`, async () => {
      const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
      const c1 = await pool.acquire('a');
      const err = new Error('reset failed');
      mock.once('onRelease', { error: err, sync });
      const rel = track(pool.release(c1));
      await settle(clock);
      assert.equal(rejected(rel), err);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.equal(await pool.acquire('a'), c1);
      assert.deepEqual(mock.disposed, []);
    });

    it(`dispose ${how}: discard resolves, disposeError is emitted, the connection is gone`, async () => {
      const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1 });
      const c1 = await pool.acquire('a');
      const err = new Error('close failed');
      mock.once('dispose', { error: err, sync });
      const d = track(pool.discard(c1));
      await settle(clock);
      assert.equal(fulfilled(d), undefined);
      assert.deepEqual(eventsOf(log, 'disposeError'), [
        { endpoint: 'a', connection: c1, error: err },
      ]);
      assertSizes(pool, 0, [['a', 0, 0, 0]]);
      assert.equal((await pool.acquire('a')).id, 2);
    });

    it(`dispose ${how} at expiry and at release: nothing rejects`, async () => {
      const { pool, mock, log } = makePool({
        minIdle: 0,
        maxSize: 2,
        idleTimeout: 1000,
        maxLifetime: 5000,
      });
      const c1 = await pool.acquire('a');
      const c2 = await pool.acquire('a');
      await pool.release(c1);
      mock.set('dispose', { error: new Error('close failed'), sync });
      await clock.tickAsync(1000);
      assert.deepEqual(disposeReasons(log), [[1, 'idle']]);
      await clock.tickAsync(4000);
      const rel = track(pool.release(c2));
      await settle(clock);
      assert.equal(fulfilled(rel), undefined);
      assert.deepEqual(disposeReasons(log), [
        [1, 'idle'],
        [2, 'lifetime'],
      ]);
      assert.equal(eventsOf(log, 'disposeError').length, 2);
      assertSizes(pool, 0, [['a', 0, 0, 0]]);
    });
  }

  it('dispose running past disposeTimeout: its signal aborts, discard resolves at disposeTimeout, disposeError is emitted', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, disposeTimeout: 100 });
    const c1 = await pool.acquire('a');
    mock.once('dispose', { delay: 1000 });
    const d = track(pool.discard(c1));
    await clock.tickAsync(99);
    pending(d);
    assertSizes(pool, 0, [['a', 0, 0, 0]], 'being disposed no longer counts');
    await clock.tickAsync(1);
    await settle(clock);
    assert.equal(fulfilled(d), undefined);
    assert.equal(mock.aborted.length, 1);
    assert.equal(mock.aborted[0]?.hook, 'dispose');
    const errors = eventsOf(log, 'disposeError');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.connection, c1);
    assert.ok(errors[0]?.error !== undefined);
  });

  it('a dispose that ignores its signal and never settles does not hold discard past disposeTimeout (default 5000)', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    mock.once('dispose', { gate: new Promise(() => {}), ignoreSignal: true });
    const d = track(pool.discard(c1));
    await clock.tickAsync(4999);
    pending(d);
    await clock.tickAsync(1);
    await settle(clock);
    assert.equal(fulfilled(d), undefined);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
  });
});

describe('sizes during hooks and disposal (decision 1), when release/discard resolve (decision 2)', () => {
  const clock = useFakeClock();

  it('during onRelease the connection counts as acquired; release resolves when it is idle', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const gate = deferred();
    mock.once('onRelease', { gate: gate.promise });
    const rel = track(pool.release(c1));
    await settle(clock);
    pending(rel);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(rel), undefined);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('during onAcquire the connection counts as acquired', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const gate = deferred();
    mock.once('onAcquire', { gate: gate.promise });
    const t = track(pool.acquire('a'));
    await settle(clock);
    pending(t);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(t).id, 1);
  });

  it('while being created a connection counts in size only, neither acquired nor idle', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    const gate = deferred();
    mock.once('create', { gate: gate.promise });
    const t = track(pool.acquire('a'));
    await settle(clock);
    assertSizes(pool, 1, [['a', 1, 0, 0]]);
    gate.resolve();
    await settle(clock);
    fulfilled(t);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('a connection leaves size when its disposal starts; discard resolves when dispose settled', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const gate = deferred();
    mock.once('dispose', { gate: gate.promise });
    const d = track(pool.discard(c1));
    await settle(clock);
    pending(d);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    assert.equal(pool.isFull, false);
    // the freed room is usable at once
    const c2 = await pool.acquire('a');
    assert.equal(c2.id, 2);
    pending(d);
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(d), undefined);
  });

  it('a release past maxLifetime disposes at release and resolves after dispose settled', async () => {
    const { pool, mock, log } = makePool({
      minIdle: 1,
      maxSize: 1,
      maxLifetime: 1000,
      idleTimeout: 500,
    });
    const c1 = await pool.acquire('a');
    await clock.tickAsync(1000);
    assertSizes(pool, 1, [['a', 1, 1, 0]], 'acquired connections are never disposed by expiry');
    const gate = deferred();
    mock.once('dispose', { gate: gate.promise });
    const rel = track(pool.release(c1));
    await settle(clock);
    pending(rel);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(rel), undefined);
  });
});

describe('discard (decision 11) and events', () => {
  const clock = useFakeClock();

  it("discard disposes with reason 'discarded' and does not call onRelease", async () => {
    const { pool, mock, log } = makePool({ minIdle: 1, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.discard(c1, new Error('protocol error'));
    assert.deepEqual(disposeReasons(log), [[1, 'discarded']]);
    assert.equal(mock.callsOf('onRelease').length, 0);
    assert.deepEqual(mock.disposed, [c1]);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    assert.deepEqual(eventsOf(log, 'release'), []);
  });

  it('events carry exact payloads, in order', async () => {
    const { pool, log } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await clock.tickAsync(5);
    await pool.release(c1);
    c1.alive = false;
    await clock.tickAsync(5);
    const c2 = await pool.acquire('a');
    await pool.discard(c2);
    const simplified = log.map(({ event, payload }) => {
      const { connection, ...rest } = payload as {
        connection?: MockConnection;
        [k: string]: unknown;
      };
      delete rest.cause;
      return [event, connection?.id, rest];
    });
    assert.deepEqual(simplified, [
      ['create', 1, { endpoint: 'a', durationMs: 0 }],
      ['acquire', 1, { endpoint: 'a', waitedMs: 0 }],
      ['release', 1, { endpoint: 'a', heldMs: 5 }],
      ['dead', 1, { endpoint: 'a' }],
      ['dispose', 1, { endpoint: 'a', reason: 'dead' }],
      ['create', 2, { endpoint: 'a', durationMs: 0 }],
      ['acquire', 2, { endpoint: 'a', waitedMs: 0 }],
      ['dispose', 2, { endpoint: 'a', reason: 'discarded' }],
    ]);
  });

  it('listeners that throw are swallowed; on/off return the pool and off removes', async () => {
    const mock = new MockConnectionManager();
    const pool = new ConnectionPool<string, MockConnection>(mock, {
      minIdle: 0,
      createRetryDelay: 0, // the acquire after the failed create must not fail fast (SPEC §7)
      maxSize: 1,
      idleTimeout: 0,
    });
    const boom = (): never => {
      throw new Error('listener broke');
    };
    for (const event of [
      'create',
      'createError',
      'acquire',
      'release',
      'dispose',
      'disposeError',
      'dead',
      'timeout',
    ] as const) {
      assert.equal(pool.on(event, boom), pool);
    }
    let count = 0;
    const counter = (): void => {
      count++;
    };
    pool.on('acquire', counter);
    mock.once('create', { error: new Error('x') });
    await assert.rejects(pool.acquire('a'), /x/);
    const c1 = await pool.acquire('a');
    await assert.rejects(pool.acquire('a', { timeout: 0 }), { code: 'ERR_POOL_TIMEOUT' });
    mock.once('dispose', { error: new Error('y') });
    await pool.release(c1); // idleTimeout 0: disposed at release
    assert.equal(pool.size, 0);
    assert.equal(count, 1);
    assert.equal(pool.off('acquire', counter), pool);
    const c2 = await pool.acquire('a');
    assert.equal(count, 1);
    assert.equal(c2.id, 3);
    await pool.discard(c2);
    assert.equal(pool.size, 0);
  });

  it('nothing throws when nobody listens', async () => {
    const mock = new MockConnectionManager();
    // Without the create backoff of SPEC §7 (on by default), which would fail the next acquirers fast.
    const pool = new ConnectionPool<string, MockConnection>(mock, {
      minIdle: 0,
      maxSize: 1,
      createRetryDelay: 0,
    });
    mock.once('create', { error: new Error('x') });
    await assert.rejects(pool.acquire('a'), /x/);
    const c1 = await pool.acquire('a');
    await assert.rejects(pool.acquire('a', { timeout: 0 }), { code: 'ERR_POOL_TIMEOUT' });
    await pool.release(c1);
    c1.alive = false;
    const c2 = await pool.acquire('a');
    mock.once('dispose', { error: new Error('y') });
    await pool.discard(c2);
    assert.equal(pool.size, 0);
    assert.deepEqual(
      mock.disposed.map((c) => c.id),
      [2, 3],
      'id 1 was the failed create',
    );
  });
});
