// SPEC rule 10 (expiry), with and without the background collector, and disposeBatchSize.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertHeldTimers,
  assertSizes,
  disposeReasons,
  fulfilled,
  makePool,
  settle,
  timersDue,
  track,
  useFakeClock,
} from './helpers/pool.ts';

for (const backgroundCollector of [true, false]) {
  describe(`expiry (rule 10), backgroundCollector: ${backgroundCollector}`, () => {
    const clock = useFakeClock();

    it('an extra connection expires at lastReleased + idleTimeout and is never handed out after', async () => {
      const { pool, mock, log } = makePool({
        minIdle: 0,
        maxSize: 1,
        idleTimeout: 1000,
        maxLifetime: 100_000,
        backgroundCollector,
      });
      const c1 = await pool.acquire('a');
      await clock.tickAsync(500);
      await pool.release(c1); // t=500: expires at 1500
      await clock.tickAsync(999);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.deepEqual(disposeReasons(log), []);
      await clock.tickAsync(1);
      if (backgroundCollector) {
        assert.deepEqual(disposeReasons(log), [[1, 'idle']]);
        assertSizes(pool, 0, [['a', 0, 0, 0]]);
      } else {
        assertSizes(pool, 1, [['a', 1, 0, 1]], 'no timer: still there');
      }
      const c2 = await pool.acquire('a');
      assert.notEqual(c2, c1);
      assert.equal(c2.id, 2);
      assert.deepEqual(disposeReasons(log), [[1, 'idle']]);
      assert.equal(
        mock.callsOf('checkAliveness').length,
        0,
        'the expired one was not even checked',
      );
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
    });

    it('a persistent connection expires only at created + maxLifetime', async () => {
      const { pool, log } = makePool({
        minIdle: 1,
        maxSize: 1,
        idleTimeout: 1000,
        maxLifetime: 5000,
        backgroundCollector,
      });
      const c1 = await pool.acquire('a'); // created t=0
      await clock.tickAsync(100);
      await pool.release(c1);
      await clock.tickAsync(4899);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      if (!backgroundCollector) {
        // reused just before its lifetime ends
        assert.equal(await pool.acquire('a'), c1);
        await pool.release(c1);
      }
      await clock.tickAsync(1); // t=5000
      if (backgroundCollector) {
        assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
        assertSizes(pool, 0, [['a', 0, 0, 0]]);
      }
      const c2 = await pool.acquire('a');
      assert.equal(c2.id, 2);
      assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
    });

    it('an extra connection expires at created + maxLifetime when that comes before idleTimeout', async () => {
      const { pool, log } = makePool({
        minIdle: 0,
        maxSize: 1,
        idleTimeout: 3000,
        maxLifetime: 5000,
        backgroundCollector,
      });
      const c1 = await pool.acquire('a'); // created t=0
      await clock.tickAsync(4000);
      await pool.release(c1); // idle expiry 7000, lifetime 5000
      await clock.tickAsync(999);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      await clock.tickAsync(1);
      if (backgroundCollector) assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
      const c2 = await pool.acquire('a');
      assert.equal(c2.id, 2);
      assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
    });

    it('acquired connections are never disposed by expiry; one released past its lifetime is disposed at release', async () => {
      const { pool, mock, log } = makePool({
        minIdle: 1,
        maxSize: 2,
        idleTimeout: 1000,
        maxLifetime: 5000,
        backgroundCollector,
      });
      const c1 = await pool.acquire('a');
      await clock.tickAsync(20_000);
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
      assert.deepEqual(mock.disposed, []);
      await pool.release(c1);
      assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
      assertSizes(pool, 0, [['a', 0, 0, 0]]);
      assert.equal(mock.callsOf('onRelease').length, 1);
    });

    it('idleTimeout 0 disposes extras at release and keeps persistent ones', async () => {
      const { pool, log } = makePool({
        minIdle: 1,
        maxSize: 2,
        idleTimeout: 0,
        maxLifetime: 5000,
        backgroundCollector,
      });
      const c1 = await pool.acquire('a');
      const c2 = await pool.acquire('a');
      await pool.release(c1); // extra (c2 held): disposed at once
      assert.deepEqual(disposeReasons(log), [[1, 'idle']]);
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
      await pool.release(c2); // persistent
      await clock.tickAsync(4999);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.equal(await pool.acquire('a'), c2);
      assert.deepEqual(disposeReasons(log), [[1, 'idle']]);
    });

    it('a connection past its lifetime is not handed to a waiter either', async () => {
      const { pool, log } = makePool({
        minIdle: 0,
        maxSize: 1,
        idleTimeout: 1000,
        maxLifetime: 5000,
        backgroundCollector,
      });
      const c1 = await pool.acquire('a');
      const waiter = track(pool.acquire('a', { timeout: Infinity }));
      await clock.tickAsync(6000);
      await pool.release(c1);
      await settle(clock);
      const c2 = fulfilled(waiter);
      assert.equal(c2.id, 2);
      assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
    });
  });
}

describe('background collector', () => {
  const clock = useFakeClock();

  it('disposes across endpoints in deadline order with a single timer', async () => {
    const { pool, log } = makePool({
      minIdle: 0,
      maxSize: 3,
      idleTimeout: 1000,
      maxLifetime: 100_000,
    });
    const a = [await pool.acquire('a'), await pool.acquire('a')];
    const b = [await pool.acquire('b'), await pool.acquire('b')];
    await pool.release(b[1]!); // t=0 -> 1000
    await clock.tickAsync(100);
    await pool.release(a[0]!); // t=100 -> 1100
    await clock.tickAsync(100);
    await pool.release(b[0]!); // t=200 -> 1200
    await clock.tickAsync(100);
    await pool.release(a[1]!); // t=300 -> 1300
    assert.deepEqual(
      timersDue(clock),
      [1000, 30_000],
      'one timer for the earliest idle deadline, not one per connection (and the acquire ' +
        "deadlines' timer, from the first acquire)",
    );
    await clock.tickAsync(700); // t=1000
    assert.deepEqual(disposeReasons(log), [[4, 'idle']]);
    await clock.tickAsync(300);
    assert.deepEqual(disposeReasons(log), [
      [4, 'idle'],
      [1, 'idle'],
      [3, 'idle'],
      [2, 'idle'],
    ]);
    assertSizes(pool, 0, [
      ['a', 0, 0, 0],
      ['b', 0, 0, 0],
    ]);
    assert.deepEqual(
      timersDue(clock),
      [30_000],
      "no collector timer while nothing can expire (the acquire deadlines' holds nothing)",
    );
    assertHeldTimers(clock, 0);
  });

  it('reuse moves the deadline: a connection released again expires from its new release time', async () => {
    const { pool, log } = makePool({
      minIdle: 0,
      maxSize: 1,
      idleTimeout: 1000,
      maxLifetime: 100_000,
    });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    await clock.tickAsync(800);
    assert.equal(await pool.acquire('a'), c1);
    await pool.release(c1); // t=800 -> 1800
    await clock.tickAsync(999);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    await clock.tickAsync(1);
    assert.deepEqual(disposeReasons(log), [[1, 'idle']]);
  });
});

describe('without the background collector: disposal during release (rule 10)', () => {
  const clock = useFakeClock();

  /** Acquires `n` connections of 'a', releases the first `due` at t=0,1,2… and moves to t=10 000. */
  async function setup(n: number, due: number, disposeBatchSize: number) {
    const made = makePool({
      minIdle: 0,
      maxSize: 20,
      idleTimeout: 1000,
      maxLifetime: 1_000_000,
      backgroundCollector: false,
      disposeBatchSize,
    });
    const conns = [];
    for (let i = 0; i < n; i++) conns.push(await made.pool.acquire('a'));
    for (let i = 0; i < due; i++) {
      await made.pool.release(conns[i]!);
      await clock.tickAsync(1);
    }
    await clock.tickAsync(10_000 - clock.now);
    return { ...made, conns };
  }

  it('no timer disposes anything', async () => {
    const { pool, mock } = await setup(3, 3, 0);
    await clock.tickAsync(1_000_000);
    assertSizes(pool, 3, [['a', 3, 0, 3]]);
    assert.deepEqual(mock.disposed, []);
    assert.equal(clock.countTimers(), 0);
  });

  it('a release disposes up to disposeBatchSize due connections', async () => {
    const { pool, mock, log, conns } = await setup(5, 4, 2);
    await pool.release(conns[4]!);
    assert.equal(mock.disposed.length, 2);
    for (const c of mock.disposed) assert.ok(c.id <= 4, 'only due connections are disposed');
    assert.deepEqual(
      disposeReasons(log).map(([, reason]) => reason),
      ['idle', 'idle'],
    );
    assertSizes(pool, 3, [['a', 3, 0, 3]]);
    const got = await pool.acquire('a');
    assert.equal(got, conns[4], 'the one not due is handed out, never a due one');
    const fresh = await pool.acquire('a');
    assert.ok(fresh.id > 5, `a due connection was handed out: #${fresh.id}`);
    await pool.release(got);
    await pool.release(fresh);
    assert.equal(mock.disposed.length, 4);
    assertSizes(pool, 2, [['a', 2, 0, 2]]);
  });

  for (const [n, expected] of [
    [7, 4], // size 7: floor(log2(8)) + 1 = 4
    [15, 5], // size 15: floor(log2(16)) + 1 = 5
    [14, 4], // size 14: floor(log2(15)) + 1 = 4
    [6, 3], // size 6: floor(log2(7)) + 1 = 3
  ] as const) {
    it(`disposeBatchSize 0 with pool size ${n} disposes ${expected} due connections per release`, async () => {
      const due = n - 2;
      const { pool, mock, conns } = await setup(n, due, 0);
      assert.equal(pool.size, n);
      await pool.release(conns[n - 2]!);
      assert.equal(mock.disposed.length, Math.min(expected, due));
      assertSizes(pool, n - Math.min(expected, due), [
        ['a', n - Math.min(expected, due), 1, n - Math.min(expected, due) - 1],
      ]);
    });
  }
});
