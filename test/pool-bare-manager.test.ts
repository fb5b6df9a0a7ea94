// A manager of `create` and `dispose` only (a generic-pool factory's shape): with no hook to run,
// an acquire from idle hands the connection straight out and a release (without a `release`
// listener) puts it straight back. The rules hold on that path as on the one with hooks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionNotAcquiredError, ConnectionPool, type PoolOptions } from '../src/index.ts';
import { assertSizes, fulfilled, pending, settle, track, useFakeClock } from './helpers/pool.ts';

interface Conn {
  readonly id: number;
}

/**
 * A pool over a manager with `create` and `dispose` only: `disposed` lists the ids the manager
 * disposed, `reasons` the `[id, reason]` of each `dispose` event.
 */
function barePool(options: PoolOptions<string> = {}) {
  let next = 0;
  const disposed: number[] = [];
  const manager = {
    create: (): Conn => ({ id: ++next }),
    dispose: (_endpoint: string, connection: Conn): void => {
      disposed.push(connection.id);
    },
  };
  const pool = new ConnectionPool<string, Conn>(manager, options);
  const reasons: Array<[number, string]> = [];
  pool.on('dispose', (e) => reasons.push([e.connection.id, e.reason]));
  return { pool, disposed, reasons };
}

describe('a manager without hooks', () => {
  const clock = useFakeClock();

  it('reuses an idle connection, with exact sizes and counts at every step', async () => {
    const { pool } = barePool({ minIdle: 0 });
    const first = await pool.acquire('a');
    await pool.release(first);
    assertSizes(pool, 1, [['a', 1, 0, 1]], 'released');
    const again = await pool.acquire('a');
    assert.equal(again, first);
    assertSizes(pool, 1, [['a', 1, 1, 0]], 'acquired from idle');
    await pool.release(again);
    assertSizes(pool, 1, [['a', 1, 0, 1]], 'released again');
    const { totals } = pool.stats();
    assert.deepEqual([totals.created, totals.acquires, totals.waitedAcquires], [1, 2, 0]);
  });

  it('refuses a second release and an idle connection, and changes nothing', async () => {
    const { pool } = barePool();
    const c = await pool.acquire('a');
    await pool.release(c);
    await assert.rejects(pool.release(c), ConnectionNotAcquiredError);
    await assert.rejects(pool.discard(c), ConnectionNotAcquiredError);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    assert.equal(await pool.acquire('a'), c, 'still idle, and handed out once');
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('a release goes to the oldest waiter, in arrival order', async () => {
    const { pool } = barePool({ maxSize: 1 });
    const c = await pool.acquire('a');
    const second = track(pool.acquire('a'));
    const third = track(pool.acquire('a'));
    await settle(clock);
    pending(second);
    await pool.release(c);
    await settle(clock);
    assert.equal(fulfilled(second), c);
    pending(third);
    await pool.release(c);
    await settle(clock);
    assert.equal(fulfilled(third), c);
    assert.equal(pool.stats().totals.waitedAcquires, 2);
  });

  it('skips an idle connection past idleTimeout: disposed as idle, a new one is made', async () => {
    const { pool, reasons } = barePool({
      minIdle: 0,
      idleTimeout: 100,
      backgroundCollector: false,
    });
    const c = await pool.acquire('a');
    await pool.release(c);
    await clock.tickAsync(150);
    const fresh = await pool.acquire('a');
    assert.equal(fresh.id, 2);
    assert.deepEqual(reasons, [[1, 'idle']]);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('a release past maxLifetime or at maxUses disposes, and resolves once disposed', async () => {
    const { pool, disposed, reasons } = barePool({
      maxLifetime: 1_000,
      idleTimeout: 1_000,
      maxUses: 2,
    });
    const c1 = await pool.acquire('a');
    await clock.tickAsync(1_000);
    await pool.release(c1);
    assert.deepEqual(disposed, [1], 'disposed before release resolved');
    const c2 = await pool.acquire('a');
    await pool.release(c2);
    assert.equal(await pool.acquire('a'), c2, 'one use left');
    await pool.release(c2);
    assert.deepEqual(reasons, [
      [1, 'lifetime'],
      [2, 'maxUses'],
    ]);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
  });

  it('detects a leak of a connection taken from idle, once', async () => {
    const { pool } = barePool({ leakDetectionThreshold: 100 });
    const leaks: number[] = [];
    pool.on('leak', (e) => leaks.push(e.connection.id));
    await pool.release(await pool.acquire('a'));
    const c = await pool.acquire('a');
    await clock.tickAsync(250);
    assert.deepEqual(leaks, [1]);
    await pool.release(c);
    await pool.release(await pool.acquire('a'));
    await clock.tickAsync(250);
    assert.deepEqual(leaks, [1], 'released in time: no leak');
  });

  it('with a release listener, a release from it sees the connection released', async () => {
    const { pool } = barePool();
    const again: Array<Promise<void>> = [];
    pool.on('release', (e) => again.push(pool.release(e.connection)));
    const c = await pool.acquire('a');
    await pool.release(c);
    assert.equal(again.length, 1);
    await assert.rejects(again[0]!, ConnectionNotAcquiredError);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('a connection released after close is disposed', async () => {
    const { pool, reasons } = barePool();
    const c = await pool.acquire('a');
    const closing = track(pool.close());
    await settle(clock);
    pending(closing);
    await pool.release(c);
    await settle(clock);
    fulfilled(closing);
    assert.deepEqual(reasons, [[1, 'closed']]);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
  });
});
