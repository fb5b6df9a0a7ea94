// SPEC rule 5 (fair waiting) and decisions 3 (handover is not checked, onAcquire always) and 4
// (creates are not tied to one acquirer).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred } from '../src/testing/index.ts';
import {
  assertSizes,
  eventsOf,
  fulfilled,
  ids,
  makePool,
  pending,
  rejected,
  settle,
  sizes,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('fair waiting (rule 5)', () => {
  const clock = useFakeClock();

  it('acquirers of one endpoint are served first come, first served; a release goes straight to the oldest waiter', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const order: string[] = [];
    const waiters = ['w1', 'w2', 'w3'].map((name) => {
      const t = track(pool.acquire('a'));
      t.promise.then(
        () => order.push(name),
        () => order.push(`${name} rejected`),
      );
      return t;
    });
    await clock.tickAsync(10);
    for (const w of waiters) pending(w);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 1, idle: 0 });
      await pool.release(c1);
      await settle(clock);
      assert.equal(fulfilled(waiters[i]!), c1);
      assert.deepEqual(order, ['w1', 'w2', 'w3'].slice(0, i + 1));
    }
    assert.equal(mock.created.length, 1);
    assert.equal(
      mock.callsOf('checkAliveness').length,
      0,
      'handed-over connections are not checked (decision 3)',
    );
    assert.equal(mock.callsOf('onAcquire').length, 4, 'onAcquire for every acquire (decision 3)');
    assert.equal(mock.callsOf('onRelease').length, 3);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 1, idle: 0 });
  });

  it('release resolves once the connection was handed to the waiter (decision 2)', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const waiter = track(pool.acquire('a'));
    await settle(clock);
    const gate = deferred();
    mock.once('onAcquire', { gate: gate.promise });
    const rel = track(pool.release(c1));
    await settle(clock);
    pending(waiter);
    assert.deepEqual(
      sizes(pool, 'a'),
      { all: 1, acquired: 1, idle: 0 },
      'in onAcquire counts as acquired',
    );
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(waiter), c1);
    assert.equal(fulfilled(rel), undefined);
  });

  it('the acquire event reports how long the acquirer waited', async () => {
    const { pool, log } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const waiter = track(pool.acquire('a'));
    await clock.tickAsync(250);
    await pool.release(c1);
    await settle(clock);
    assert.equal(fulfilled(waiter), c1);
    assert.deepEqual(
      eventsOf(log, 'acquire').map((e) => e.waitedMs),
      [0, 250],
    );
  });

  it('the connection of a finished create goes to the oldest waiter (decision 4)', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    const g1 = deferred();
    const g2 = deferred();
    mock.once('create', { gate: g1.promise }).once('create', { gate: g2.promise });
    const x = track(pool.acquire('a'));
    const y = track(pool.acquire('a'));
    await settle(clock);
    assert.equal(mock.callsOf('create').length, 2);
    g2.resolve();
    await settle(clock);
    assert.equal(fulfilled(x).id, 2, 'the first finished create (#2) serves the oldest waiter');
    pending(y);
    assert.deepEqual(sizes(pool, 'a'), { all: 2, acquired: 1, idle: 0 });
    g1.resolve();
    await settle(clock);
    assert.equal(fulfilled(y).id, 1);
    assert.deepEqual(sizes(pool, 'a'), { all: 2, acquired: 2, idle: 0 });
    assert.equal(mock.callsOf('checkAliveness').length, 0, 'fresh connections are not checked');
  });

  it('a failed create rejects the oldest waiter of its endpoint (decision 4)', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 2 });
    const g1 = deferred();
    const g2 = deferred();
    const err = new Error('refused');
    mock.once('create', { gate: g1.promise, error: err }).once('create', { gate: g2.promise });
    const x = track(pool.acquire('a'));
    const y = track(pool.acquire('a'));
    await settle(clock);
    g2.resolve();
    await settle(clock);
    const got = fulfilled(x);
    assert.equal(got.id, 2);
    g1.resolve();
    await settle(clock);
    assert.equal(rejected(y), err);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 1, idle: 0 });
    assert.deepEqual(eventsOf(log, 'createError'), [{ endpoint: 'a', error: err, durationMs: 0 }]);
  });

  it('a finished create with nobody waiting becomes idle', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    mock.set('create', { delay: 100 });
    const ac = new AbortController();
    const t = track(pool.acquire('a', { signal: ac.signal }));
    await clock.tickAsync(10);
    ac.abort();
    await settle(clock);
    assert.equal(rejected(t), ac.signal.reason);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 0 });
    await clock.tickAsync(90);
    assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
    mock.set('create');
    assert.equal(await pool.acquire('a'), mock.created[0]);
    assert.equal(mock.created.length, 1);
  });

  it('a waiter queued for capacity takes an idle connection that appears from a create it did not start', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    mock.set('create', { delay: 100 });
    const ac = new AbortController();
    const first = track(pool.acquire('a', { signal: ac.signal }));
    await clock.tickAsync(10);
    const second = track(pool.acquire('a'));
    await clock.tickAsync(10);
    ac.abort();
    await clock.tickAsync(80);
    assert.equal(rejected(first), ac.signal.reason);
    assert.equal(fulfilled(second).id, 1);
    assert.equal(mock.callsOf('create').length, 1);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('waiters of different endpoints do not block each other', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1, totalMaxSize: 10 });
    const a1 = await pool.acquire('a');
    const ta = track(pool.acquire('a'));
    const b1 = await pool.acquire('b');
    pending(ta);
    assert.equal(b1.endpoint, 'b');
    assert.deepEqual(ids([a1, b1]), [1, 2]);
    await pool.release(a1);
    await settle(clock);
    assert.equal(fulfilled(ta), a1);
  });
});
