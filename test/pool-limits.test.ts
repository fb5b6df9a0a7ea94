// SPEC rule 3 (limits at every instant) and rule 4 (eviction across endpoints, total-capacity waiters).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred } from '../src/testing/index.ts';
import {
  assertSizes,
  disposeReasons,
  fulfilled,
  ids,
  makePool,
  pending,
  rejected,
  settle,
  sizes,
  track,
  useFakeClock,
  watchLimits,
} from './helpers/pool.ts';

describe('limits (rule 3)', () => {
  const clock = useFakeClock();

  it('maxSize counts connections being created', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2, totalMaxSize: 10 });
    const violations = watchLimits(pool, mock, ['a'], { maxSize: 2, totalMaxSize: 10 });
    const gate = deferred();
    mock.set('create', { gate: gate.promise });
    const t = [track(pool.acquire('a')), track(pool.acquire('a')), track(pool.acquire('a'))];
    await settle(clock);
    assert.equal(mock.callsOf('create').length, 2);
    assert.deepEqual(sizes(pool, 'a'), { all: 2, acquired: 0, idle: 0 });
    assert.equal(pool.size, 2);
    gate.resolve();
    await settle(clock);
    const [c1, c2] = [fulfilled(t[0]!), fulfilled(t[1]!)];
    assert.deepEqual(ids([c1, c2]), [1, 2]);
    pending(t[2]!);
    assert.deepEqual(sizes(pool, 'a'), { all: 2, acquired: 2, idle: 0 });
    await pool.release(c2);
    await settle(clock);
    assert.equal(fulfilled(t[2]!), c2);
    assert.equal(mock.callsOf('create').length, 2);
    assert.deepEqual(sizes(pool, 'a'), { all: 2, acquired: 2, idle: 0 });
    assert.deepEqual(violations, []);
  });

  it('totalMaxSize counts all endpoints; isFull is size >= totalMaxSize', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 3, totalMaxSize: 3 });
    const violations = watchLimits(pool, mock, ['a', 'b', 'c'], { maxSize: 3, totalMaxSize: 3 });
    const a1 = await pool.acquire('a');
    const a2 = await pool.acquire('a');
    assert.equal(pool.isFull, false);
    const b1 = await pool.acquire('b');
    assert.equal(pool.isFull, true);
    const t = track(pool.acquire('c'));
    await settle(clock);
    pending(t);
    assert.equal(mock.callsOf('create').length, 3);
    assertSizes(pool, 3, [
      ['a', 2, 2, 0],
      ['b', 1, 1, 0],
      ['c', 0, 0, 0],
    ]);
    await pool.release(a2);
    await settle(clock);
    const c1 = fulfilled(t);
    assert.equal(c1.endpoint, 'c');
    assert.equal(c1.id, 4);
    assert.deepEqual(mock.disposed, [a2]);
    assertSizes(pool, 3, [
      ['a', 1, 1, 0],
      ['b', 1, 1, 0],
      ['c', 1, 1, 0],
    ]);
    assert.equal(pool.isFull, true);
    assert.ok(a1 && b1);
    assert.deepEqual(violations, []);
  });

  it('an endpoint at maxSize waits for its own connections and evicts nothing', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, totalMaxSize: 2 });
    const a1 = await pool.acquire('a');
    const b1 = await pool.acquire('b');
    await pool.release(b1);
    const t = track(pool.acquire('a'));
    await clock.tickAsync(100);
    pending(t);
    assert.deepEqual(disposeReasons(log), []);
    assertSizes(pool, 2, [
      ['a', 1, 1, 0],
      ['b', 1, 0, 1],
    ]);
    await pool.release(a1);
    await settle(clock);
    assert.equal(fulfilled(t), a1);
    assert.equal(mock.created.length, 2);
    assertSizes(pool, 2, [
      ['a', 1, 1, 0],
      ['b', 1, 0, 1],
    ]);
  });
});

for (const backgroundCollector of [true, false]) {
  describe(`eviction across endpoints (rule 4), backgroundCollector: ${backgroundCollector}`, () => {
    const clock = useFakeClock();

    it('evicts extra before persistent, and within a class the one that expires first', async () => {
      const opts = {
        minIdle: 1,
        maxSize: 3,
        totalMaxSize: 3,
        idleTimeout: 10_000,
        maxLifetime: 100_000,
        backgroundCollector,
      };
      const { pool, mock, log } = makePool(opts);
      const violations = watchLimits(pool, mock, ['a', 'b', 'c'], opts);
      const a1 = await pool.acquire('a'); // created t=0
      await clock.tickAsync(1);
      const b1 = await pool.acquire('b'); // created t=1
      await clock.tickAsync(1);
      const b2 = await pool.acquire('b'); // created t=2
      await clock.tickAsync(1);
      await pool.release(a1); // persistent, expires at 100_000
      await clock.tickAsync(1);
      await pool.release(b1); // extra (b2 held), expires at 10_004
      await clock.tickAsync(1);
      await pool.release(b2); // persistent, expires at 100_002
      assertSizes(pool, 3, [
        ['a', 1, 0, 1],
        ['b', 2, 0, 2],
      ]);
      const c1 = await pool.acquire('c');
      assert.deepEqual(disposeReasons(log), [[b1.id, 'evicted']]);
      const c2 = await pool.acquire('c');
      assert.deepEqual(disposeReasons(log), [
        [b1.id, 'evicted'],
        [a1.id, 'evicted'],
      ]);
      const c3 = await pool.acquire('c');
      assert.deepEqual(disposeReasons(log), [
        [b1.id, 'evicted'],
        [a1.id, 'evicted'],
        [b2.id, 'evicted'],
      ]);
      assert.deepEqual(ids([c1, c2, c3]), [4, 5, 6]);
      assert.deepEqual(mock.disposed, [b1, a1, b2]);
      assertSizes(pool, 3, [
        ['a', 0, 0, 0],
        ['b', 0, 0, 0],
        ['c', 3, 3, 0],
      ]);
      assert.deepEqual(violations, []);
    });

    it('within extras evicts the earliest expiry (min of idle and lifetime), not the least recently used', async () => {
      const opts = {
        minIdle: 0,
        maxSize: 2,
        totalMaxSize: 2,
        idleTimeout: 10_000,
        maxLifetime: 12_000,
        backgroundCollector,
      };
      const { pool, log } = makePool(opts);
      const x = await pool.acquire('x'); // created t=0
      await clock.tickAsync(100);
      const y = await pool.acquire('y'); // created t=100
      await clock.tickAsync(2900);
      await pool.release(y); // t=3000: expires min(13_000, 12_100) = 12_100
      await clock.tickAsync(2000);
      await pool.release(x); // t=5000: expires min(15_000, 12_000) = 12_000
      await clock.tickAsync(1);
      const z = await pool.acquire('z');
      assert.deepEqual(disposeReasons(log), [[x.id, 'evicted']]);
      assertSizes(pool, 2, [
        ['x', 0, 0, 0],
        ['y', 1, 0, 1],
        ['z', 1, 1, 0],
      ]);
      assert.equal(z.id, 3);
    });

    it('the create for the evicting endpoint starts while the evicted connection is still being disposed', async () => {
      const opts = { minIdle: 0, maxSize: 1, totalMaxSize: 1, backgroundCollector };
      const { pool, mock } = makePool(opts);
      const violations = watchLimits(pool, mock, ['a', 'b'], opts);
      const a1 = await pool.acquire('a');
      await pool.release(a1);
      const gate = deferred();
      mock.set('dispose', { gate: gate.promise });
      const t = track(pool.acquire('b'));
      await settle(clock);
      assert.deepEqual(mock.disposed, [a1]);
      assert.equal(mock.active('dispose'), 1);
      const b1 = fulfilled(t);
      assert.equal(b1.endpoint, 'b');
      assertSizes(pool, 1, [
        ['a', 0, 0, 0],
        ['b', 1, 1, 0],
      ]);
      gate.resolve();
      await settle(clock);
      assert.equal(mock.active('dispose'), 0);
      assert.deepEqual(violations, []);
    });

    it('waiters for total capacity are served in arrival order across endpoints, as soon as a connection goes idle or is disposed', async () => {
      const opts = { minIdle: 0, maxSize: 2, totalMaxSize: 2, backgroundCollector };
      const { pool, mock, log } = makePool(opts);
      const violations = watchLimits(pool, mock, ['a', 'b', 'c', 'd'], opts);
      const a1 = await pool.acquire('a');
      const a2 = await pool.acquire('a');
      const tb = track(pool.acquire('b'));
      await clock.tickAsync(1);
      const tc = track(pool.acquire('c'));
      await clock.tickAsync(1);
      const td = track(pool.acquire('d'));
      await clock.tickAsync(10);
      pending(tb);
      pending(tc);
      pending(td);
      await pool.release(a2);
      await settle(clock);
      const b1 = fulfilled(tb);
      pending(tc);
      pending(td);
      assert.equal(b1.endpoint, 'b');
      assert.deepEqual(disposeReasons(log), [[a2.id, 'evicted']]);
      assertSizes(pool, 2, [
        ['a', 1, 1, 0],
        ['b', 1, 1, 0],
      ]);
      await pool.release(a1);
      await settle(clock);
      const c1 = fulfilled(tc);
      pending(td);
      assert.equal(c1.endpoint, 'c');
      await pool.discard(b1);
      await settle(clock);
      const d1 = fulfilled(td);
      assert.equal(d1.endpoint, 'd');
      assert.deepEqual(disposeReasons(log), [
        [a2.id, 'evicted'],
        [a1.id, 'evicted'],
        [b1.id, 'discarded'],
      ]);
      assert.deepEqual(
        mock.callsOf('create').map((x) => x.endpoint),
        ['a', 'a', 'b', 'c', 'd'],
      );
      assertSizes(pool, 2, [
        ['a', 0, 0, 0],
        ['b', 0, 0, 0],
        ['c', 1, 1, 0],
        ['d', 1, 1, 0],
      ]);
      assert.deepEqual(violations, []);
    });

    it('a waiter for total capacity is served when a create elsewhere fails', async () => {
      const opts = { minIdle: 0, maxSize: 2, totalMaxSize: 2, backgroundCollector };
      const { pool, mock } = makePool(opts);
      const a1 = await pool.acquire('a');
      const gate = deferred();
      const err = new Error('refused');
      mock.once('create', { gate: gate.promise, error: err });
      const ta = track(pool.acquire('a'));
      await settle(clock);
      const tb = track(pool.acquire('b'));
      await settle(clock);
      pending(tb);
      assert.equal(pool.size, 2);
      gate.resolve();
      await settle(clock);
      assert.equal(rejected(ta), err);
      const b1 = fulfilled(tb);
      assert.equal(b1.endpoint, 'b');
      assertSizes(pool, 2, [
        ['a', 1, 1, 0],
        ['b', 1, 1, 0],
      ]);
      assert.ok(a1);
    });

    it("a released connection goes to its own endpoint's waiter, not to an earlier waiter for total capacity", async () => {
      const opts = { minIdle: 0, maxSize: 1, totalMaxSize: 2, backgroundCollector };
      const { pool, mock, log } = makePool(opts);
      const a1 = await pool.acquire('a');
      const b1 = await pool.acquire('b');
      const tc = track(pool.acquire('c')); // waits for total capacity
      await clock.tickAsync(1);
      const ta = track(pool.acquire('a')); // waits for its endpoint
      await clock.tickAsync(1);
      await pool.release(a1);
      await settle(clock);
      assert.equal(fulfilled(ta), a1);
      pending(tc);
      assert.deepEqual(disposeReasons(log), []);
      assert.equal(
        mock.callsOf('checkAliveness').length,
        0,
        'a handed-over connection is not checked',
      );
      await pool.release(b1);
      await settle(clock);
      const c1 = fulfilled(tc);
      assert.equal(c1.endpoint, 'c');
      assert.deepEqual(disposeReasons(log), [[b1.id, 'evicted']]);
      assertSizes(pool, 2, [
        ['a', 1, 1, 0],
        ['b', 0, 0, 0],
        ['c', 1, 1, 0],
      ]);
    });

    it('timeout 0 may evict to make room', async () => {
      const opts = { minIdle: 1, maxSize: 1, totalMaxSize: 1, backgroundCollector };
      const { pool, log } = makePool(opts);
      const a1 = await pool.acquire('a');
      await pool.release(a1);
      const b1 = await pool.acquire('b', { timeout: 0 });
      assert.equal(b1.endpoint, 'b');
      assert.deepEqual(disposeReasons(log), [[a1.id, 'evicted']]);
      assertSizes(pool, 1, [
        ['a', 0, 0, 0],
        ['b', 1, 1, 0],
      ]);
    });
  });
}
