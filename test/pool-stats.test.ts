// SPEC §7: stats() gauges and counters, event timings, listeners that throw.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionPool, PoolStats } from '../src/index.ts';
import { EndpointUnavailableError } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import {
  closePool,
  EVENTS,
  eventsOf,
  makePool,
  pending,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

type Gauges = Omit<PoolStats, 'totals' | 'endpoints'>;

function gauges(pool: ConnectionPool<string, MockConnection>): Gauges {
  const { size, idle, acquired, creating, waiting } = pool.stats();
  return { size, idle, acquired, creating, waiting };
}

describe('stats() (SPEC §7)', () => {
  const clock = useFakeClock();

  it('a new pool: all zero, no endpoints', () => {
    const { pool } = makePool();
    assert.deepEqual(pool.stats(), {
      size: 0,
      idle: 0,
      acquired: 0,
      creating: 0,
      waiting: 0,
      totals: {
        created: 0,
        disposed: 0,
        acquires: 0,
        waitedAcquires: 0,
        timeouts: 0,
        aborts: 0,
        createErrors: 0,
        deadConnections: 0,
        evictions: 0,
        disposeErrors: 0,
      },
      endpoints: [],
    });
  });

  it('is a snapshot: later changes do not show in it, and changing it changes nothing', async () => {
    const { pool } = makePool();
    const before = pool.stats();
    before.totals.created = 99;
    await pool.acquire('a');
    assert.equal(before.size, 0);
    assert.deepEqual(before.endpoints, []);
    assert.equal(pool.stats().totals.created, 1);
  });

  /**
   * Acquires, a timeout, an abort, an eviction, a create error, a dead connection, a dispose error
   * and a discard, checking the gauges at every step; returns the final stats.
   */
  async function script(throwing: boolean): Promise<PoolStats<string>> {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2, totalMaxSize: 3 });
    if (throwing) {
      for (const event of EVENTS) {
        pool.on(event, () => {
          throw new Error(`listener of ${event}`);
        });
      }
    }
    const a1 = await pool.acquire('a');
    const a2 = await pool.acquire('a');
    assert.deepEqual(gauges(pool), { size: 2, idle: 0, acquired: 2, creating: 0, waiting: 0 });

    // A waiter that times out.
    const late = track(pool.acquire('a', { timeout: 100 }));
    await settle(clock);
    assert.deepEqual(gauges(pool), { size: 2, idle: 0, acquired: 2, creating: 0, waiting: 1 });
    assert.deepEqual(pool.stats().endpoints, [
      { endpoint: 'a', size: 2, idle: 0, acquired: 2, creating: 0, waiting: 1 },
    ]);
    await clock.tickAsync(100);
    assert.equal((rejected(late) as Error).name, 'ConnectionPoolTimeoutError');

    // A waiter that is aborted, and one whose signal was aborted before it asked.
    const controller = new AbortController();
    const aborted = track(pool.acquire('a', { signal: controller.signal }));
    await settle(clock);
    assert.equal(pool.stats().waiting, 1);
    controller.abort(new Error('gone'));
    await settle(clock);
    rejected(aborted);
    await assert.rejects(pool.acquire('a', { signal: controller.signal }), /gone/);
    assert.equal(pool.stats().waiting, 0);

    // A release, then 'b' fills the pool and evicts the idle 'a' connection.
    await pool.release(a1);
    assert.deepEqual(gauges(pool), { size: 2, idle: 1, acquired: 1, creating: 0, waiting: 0 });
    const b1 = await pool.acquire('b');
    const creating = track(pool.acquire('b'));
    assert.deepEqual(gauges(pool), { size: 3, idle: 0, acquired: 2, creating: 1, waiting: 1 });
    await settle(clock);
    const b2 = creating.value!;
    assert.deepEqual(gauges(pool), { size: 3, idle: 0, acquired: 3, creating: 0, waiting: 0 });

    // A failed create at 'c' (after evicting b2), then 'c' backs off.
    await pool.release(b2);
    mock.once('create', { error: new Error('refused') });
    await assert.rejects(pool.acquire('c'), /refused/);
    await assert.rejects(pool.acquire('c'), EndpointUnavailableError);

    // A dead connection found at acquire: disposed, replaced.
    await pool.release(b1);
    b1.alive = false;
    const b3 = await pool.acquire('b');
    assert.equal(b3.id, 6, 'ids 1-4: a1, a2, b1, b2; 5: the failed create');

    // A dispose that fails, on a discard.
    mock.once('dispose', { error: new Error('close failed') });
    await pool.discard(a2);
    assert.deepEqual(gauges(pool), { size: 1, idle: 0, acquired: 1, creating: 0, waiting: 0 });
    assert.deepEqual(
      pool.stats().endpoints.map((e) => [e.endpoint, e.size]),
      [
        ['c', 0],
        ['b', 1],
      ],
      "'a' holds nothing and is forgotten; 'c' is remembered while it backs off; 'b' was " +
        'forgotten when its dead connection left it empty, and came back',
    );
    const stats = pool.stats();
    assert.equal(stats.totals.created - stats.totals.disposed, stats.size - stats.creating);
    await pool.release(b3);
    await closePool(pool, clock);
    assert.deepEqual(gauges(pool), { size: 0, idle: 0, acquired: 0, creating: 0, waiting: 0 });
    assert.equal(pool.stats().totals.disposed, 5);
    return stats;
  }

  it('counts and gauges are exact after a scripted sequence', async () => {
    const stats = await script(false);
    assert.deepEqual(stats.totals, {
      created: 5, // a1, a2, b1, b2, b3
      disposed: 4, // a1 evicted, b2 evicted, b1 dead, a2 discarded
      acquires: 5, // a1, a2, b1, b2, b3
      waitedAcquires: 0, // each was served by free capacity (b2 by an eviction)
      timeouts: 1,
      aborts: 2,
      createErrors: 1,
      deadConnections: 1,
      evictions: 2,
      disposeErrors: 1,
    });
  });

  it('a listener that throws breaks nothing: the same script gives the same numbers', async () => {
    const quiet = await script(false);
    const noisy = await script(true);
    assert.deepEqual(noisy, quiet);
  });

  it('waitedAcquires counts acquirers that queued, also when served by a release', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const waiter = track(pool.acquire('a'));
    await settle(clock);
    pending(waiter);
    await pool.release(c1);
    await settle(clock);
    assert.equal(waiter.value, c1);
    assert.deepEqual([pool.stats().totals.acquires, pool.stats().totals.waitedAcquires], [2, 1]);
  });
});

describe('event timings (SPEC §7, coordinator decision)', () => {
  const clock = useFakeClock();

  it('create and createError carry durationMs, acquire waitedMs, release heldMs', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, createRetryDelay: 0 });
    mock.once('create', { delay: 30, error: new Error('refused') });
    mock.once('create', { delay: 70 });
    const failed = track(pool.acquire('a'));
    await clock.tickAsync(30);
    rejected(failed);
    const got = track(pool.acquire('a'));
    await clock.tickAsync(70);
    const c1 = got.value!;
    await clock.tickAsync(250);
    await pool.release(c1);
    assert.deepEqual(
      eventsOf(log, 'createError').map((e) => e.durationMs),
      [30],
    );
    assert.deepEqual(
      eventsOf(log, 'create').map((e) => e.durationMs),
      [70],
    );
    assert.deepEqual(
      eventsOf(log, 'acquire').map((e) => e.waitedMs),
      [70],
    );
    assert.deepEqual(
      eventsOf(log, 'release').map((e) => e.heldMs),
      [250],
    );
  });
});
