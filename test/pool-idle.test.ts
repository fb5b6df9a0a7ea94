// SPEC rule 2 (idle classes: persistent / extra, reuse order) and decision 5.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionPool } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import { deferred } from '../src/testing/index.ts';
import type { Recorded } from './helpers/pool.ts';
import {
  disposeReasons,
  ids,
  makePool,
  pending,
  rejected,
  settle,
  sizes,
  track,
  useFakeClock,
} from './helpers/pool.ts';

for (const backgroundCollector of [true, false]) {
  describe(`idle classes and reuse order (rule 2), backgroundCollector: ${backgroundCollector}`, () => {
    const clock = useFakeClock();

    it('persistent ones are preferred and reused oldest-first, extras newest-first', async () => {
      const { pool, mock } = makePool({ minIdle: 2, maxSize: 5, backgroundCollector });
      const c = [
        await pool.acquire('a'),
        await pool.acquire('a'),
        await pool.acquire('a'),
        await pool.acquire('a'),
      ];
      assert.deepEqual(ids(c), [1, 2, 3, 4]);
      // c1: 0 persistent + 3 acquired >= 2 -> extra; c2: 0 + 2 -> extra; c3: 0 + 1 -> persistent; c4: 1 + 0 -> persistent
      for (const conn of c) {
        await pool.release(conn);
        await clock.tickAsync(1);
      }
      assert.deepEqual(sizes(pool, 'a'), { all: 4, acquired: 0, idle: 4 });
      const got = [
        await pool.acquire('a'),
        await pool.acquire('a'),
        await pool.acquire('a'),
        await pool.acquire('a'),
      ];
      assert.deepEqual(ids(got), [3, 4, 2, 1]);
      assert.deepEqual(ids(mock.callsOf('checkAliveness').map((x) => x.connection)), [3, 4, 2, 1]);
      assert.equal(mock.created.length, 4);
      assert.deepEqual(sizes(pool, 'a'), { all: 4, acquired: 4, idle: 0 });
    });

    it('persistent connections are used round robin', async () => {
      const { pool } = makePool({ minIdle: 2, maxSize: 5, backgroundCollector });
      const x = await pool.acquire('a');
      const y = await pool.acquire('a');
      await pool.release(x);
      await clock.tickAsync(1);
      await pool.release(y);
      const seen = [];
      for (let i = 0; i < 4; i++) {
        await clock.tickAsync(1);
        const conn = await pool.acquire('a');
        seen.push(conn.id);
        await pool.release(conn);
      }
      assert.deepEqual(seen, [x.id, y.id, x.id, y.id]);
      assert.equal(pool.size, 2);
    });

    it('extra connections are reused newest-first (LIFO)', async () => {
      const { pool } = makePool({ minIdle: 0, maxSize: 5, backgroundCollector });
      const [a, b, c] = [await pool.acquire('a'), await pool.acquire('a'), await pool.acquire('a')];
      for (const conn of [a, b, c]) {
        await pool.release(conn);
        await clock.tickAsync(1);
      }
      const first = await pool.acquire('a');
      assert.equal(first, c);
      await pool.release(first);
      await clock.tickAsync(1);
      const again = [await pool.acquire('a'), await pool.acquire('a'), await pool.acquire('a')];
      assert.deepEqual(ids(again), [c!.id, b!.id, a!.id]);
      assert.equal(pool.size, 3);
    });

    it('acquired connections count toward minIdle: a release while others are held is extra', async () => {
      const { pool, log } = makePool({
        minIdle: 1,
        maxSize: 5,
        idleTimeout: 1000,
        maxLifetime: 100_000,
        backgroundCollector,
      });
      const a = await pool.acquire('a');
      const b = await pool.acquire('a');
      await pool.release(a); // 0 persistent + 1 acquired (b) >= 1: extra
      await pool.release(b); // 0 persistent + 0 acquired < 1: persistent
      await clock.tickAsync(1000);
      // with the collector a is gone now; without it a release or acquire must not hand it out
      const got = await pool.acquire('a');
      assert.equal(got, b, 'the persistent one is preferred and the extra one is never handed out');
      if (backgroundCollector) {
        assert.deepEqual(disposeReasons(log), [[a.id, 'idle']]);
        assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 1, idle: 0 });
      } else {
        const next = await pool.acquire('a');
        assert.notEqual(next, a, 'the due extra connection is never handed out');
        assert.equal(next.id, 3);
      }
    });

    it('the class is decided when a connection becomes idle and never changes while idle', async () => {
      const { pool, log } = makePool({
        minIdle: 1,
        maxSize: 5,
        idleTimeout: 1000,
        maxLifetime: 100_000,
        backgroundCollector,
      });
      const a = await pool.acquire('a');
      const b = await pool.acquire('a');
      await pool.release(a); // extra (b held)
      await pool.release(b); // persistent
      assert.equal(await pool.acquire('a'), b);
      await pool.discard(b);
      // now nothing else is held or persistent, but a stays extra and expires at 0 + idleTimeout
      assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
      await clock.tickAsync(999);
      assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
      await clock.tickAsync(1);
      if (backgroundCollector) {
        assert.deepEqual(disposeReasons(log), [
          [b.id, 'discarded'],
          [a.id, 'idle'],
        ]);
        assert.deepEqual(sizes(pool, 'a'), { all: 0, acquired: 0, idle: 0 });
      } else {
        const got = await pool.acquire('a');
        assert.notEqual(got, a, 'the expired extra connection is not handed out');
        assert.equal(got.id, 3);
      }
    });

    it('a persistent connection outlives idleTimeout many times over', async () => {
      const { pool, mock, log } = makePool({
        minIdle: 1,
        maxSize: 5,
        idleTimeout: 1000,
        maxLifetime: 100_000,
        backgroundCollector,
      });
      const a = await pool.acquire('a');
      await pool.release(a);
      await clock.tickAsync(50_000);
      assert.deepEqual(disposeReasons(log), []);
      assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
      assert.equal(await pool.acquire('a'), a);
      assert.equal(mock.created.length, 1);
    });
  });

  describe(`decision 5: a connection returned to idle unused keeps its last-release time, backgroundCollector: ${backgroundCollector}`, () => {
    const clock = useFakeClock();

    const opts = {
      minIdle: 0,
      maxSize: 1,
      idleTimeout: 1000,
      maxLifetime: 100_000,
      backgroundCollector,
    };

    /** After the failed reuse at t=600 the connection must expire at t=1000, not 1600. */
    async function expectExpiryAt1000(
      pool: ConnectionPool<string, MockConnection>,
      log: Recorded[],
      a: { id: number },
    ): Promise<void> {
      assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
      await clock.tickAsync(999 - clock.now);
      assert.deepEqual(sizes(pool, 'a'), { all: 1, acquired: 0, idle: 1 });
      await clock.tickAsync(1);
      if (backgroundCollector) {
        assert.deepEqual(disposeReasons(log), [[a.id, 'idle']]);
        assert.equal(pool.size, 0);
      } else {
        const got = await pool.acquire('a');
        assert.notEqual(got, a);
        assert.deepEqual(
          disposeReasons(log),
          [[a.id, 'idle']],
          'maxSize 1: the due one must go to make room',
        );
        assert.equal(pool.size, 1);
      }
    }

    it('after checkAliveness threw', async () => {
      const { pool, mock, log } = makePool(opts);
      const a = await pool.acquire('a');
      await pool.release(a);
      await clock.tickAsync(600);
      const err = new Error('check failed');
      mock.once('checkAliveness', { error: err });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      await expectExpiryAt1000(pool, log, a);
    });

    it('after onAcquire threw', async () => {
      const { pool, mock, log } = makePool(opts);
      const a = await pool.acquire('a');
      await pool.release(a);
      await clock.tickAsync(600);
      const err = new Error('onAcquire failed');
      mock.once('onAcquire', { error: err });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      await expectExpiryAt1000(pool, log, a);
    });

    it('after the acquirer left during the check', async () => {
      const { pool, mock, log } = makePool(opts);
      const a = await pool.acquire('a');
      await pool.release(a);
      await clock.tickAsync(600);
      const gate = deferred();
      mock.once('checkAliveness', { gate: gate.promise });
      const ac = new AbortController();
      const t = track(pool.acquire('a', { signal: ac.signal }));
      await settle(clock);
      pending(t);
      assert.deepEqual(
        sizes(pool, 'a'),
        { all: 1, acquired: 1, idle: 0 },
        'being checked counts as acquired',
      );
      ac.abort();
      await settle(clock);
      assert.equal(rejected(t), ac.signal.reason);
      gate.resolve();
      await settle(clock);
      await expectExpiryAt1000(pool, log, a);
    });

    it('a persistent one stays persistent after a failed reuse', async () => {
      const { pool, mock, log } = makePool({ ...opts, minIdle: 1 });
      const a = await pool.acquire('a');
      await pool.release(a);
      await clock.tickAsync(600);
      mock.once('checkAliveness', { error: new Error('x') });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.ok(rejected(t) instanceof Error);
      await clock.tickAsync(10_000);
      assert.deepEqual(disposeReasons(log), []);
      assert.equal(await pool.acquire('a'), a);
    });
  });
}
