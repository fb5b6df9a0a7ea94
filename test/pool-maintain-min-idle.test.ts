// SPEC §7 maintainMinIdle: known endpoints keep minIdle connections, replaced at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertSizes,
  closePool,
  disposeReasons,
  eventsOf,
  makePool,
  settle,
  useFakeClock,
} from './helpers/pool.ts';

describe('maintainMinIdle (SPEC §7)', () => {
  const clock = useFakeClock();

  it('an endpoint acquired once is filled up to minIdle in the background', async () => {
    const { pool, mock } = makePool({ minIdle: 3, maintainMinIdle: true });
    const c1 = await pool.acquire('a');
    await settle(clock);
    assert.equal(mock.callsOf('create').length, 3);
    assertSizes(pool, 3, [['a', 3, 1, 2]]);
    await pool.release(c1);
    assertSizes(pool, 3, [['a', 3, 0, 3]]);
    assert.deepEqual(
      pool.stats().endpoints.map((e) => e.endpoint),
      ['a'],
    );
  });

  it('expired connections are replaced in the same tick, not on a later sweep', async () => {
    const { pool, log } = makePool({
      minIdle: 2,
      maintainMinIdle: true,
      idleTimeout: 1000,
      maxLifetime: 1000,
    });
    await pool.prewarm('a');
    assertSizes(pool, 2, [['a', 2, 0, 2]]);
    await clock.tickAsync(1000);
    assert.deepEqual(disposeReasons(log), [
      [1, 'lifetime'],
      [2, 'lifetime'],
    ]);
    assert.equal(pool.size, 2, 'replaced at once: being created');
    await settle(clock);
    assertSizes(pool, 2, [['a', 2, 0, 2]]);
    assert.deepEqual(
      eventsOf(log, 'create').map((e) => (e.connection as { id: number }).id),
      [1, 2, 3, 4],
    );
  });

  it('discarded and dead connections are replaced too', async () => {
    const { pool, mock } = makePool({ minIdle: 1, maintainMinIdle: true });
    const c1 = await pool.acquire('a');
    await pool.discard(c1);
    await settle(clock);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    const [, c2] = mock.created;
    c2!.alive = false;
    const c3 = await pool.acquire('a');
    assert.equal(c3.id, 3, 'the dead one was disposed; the acquirer got a new one');
    await settle(clock);
    assert.equal(pool.size, 1, 'c3 itself keeps the count at minIdle');
  });

  it('never evicts another endpoint: waits for free total capacity, then fills up', async () => {
    const { pool, mock, log } = makePool({
      minIdle: 2,
      maxSize: 2,
      totalMaxSize: 3,
      maintainMinIdle: true,
    });
    const a1 = await pool.acquire('a');
    await settle(clock);
    assertSizes(pool, 2, [['a', 2, 1, 1]]);
    const b1 = await pool.acquire('b');
    await settle(clock);
    assertSizes(pool, 3, [
      ['a', 2, 1, 1],
      ['b', 1, 1, 0],
    ]);
    assert.deepEqual(eventsOf(log, 'dispose'), [], 'no eviction to fill b');
    assert.equal(mock.callsOf('create').length, 3);
    await pool.discard(a1);
    await settle(clock);
    // The room a1 left goes to 'a' itself (it is below minIdle again) before 'b'.
    assertSizes(pool, 3, [
      ['a', 2, 0, 2],
      ['b', 1, 1, 0],
    ]);
    await pool.release(b1);
    assert.ok(b1);
  });

  it('room freed at another endpoint goes to a starved one', async () => {
    const { pool } = makePool({ minIdle: 1, maxSize: 3, totalMaxSize: 3, maintainMinIdle: true });
    const a = [await pool.acquire('a'), await pool.acquire('a'), await pool.acquire('a')];
    await pool.prewarm('b'); // known, but there is no room: it opens nothing
    assertSizes(pool, 3, [
      ['a', 3, 3, 0],
      ['b', 0, 0, 0],
    ]);
    await pool.discard(a[0]!); // 'a' still has minIdle: the room goes to 'b'
    await settle(clock);
    assertSizes(pool, 3, [
      ['a', 2, 2, 0],
      ['b', 1, 0, 1],
    ]);
  });

  it('an acquirer that evicts is served first: maintainMinIdle does not take its room', async () => {
    const { pool } = makePool({ minIdle: 2, maxSize: 2, totalMaxSize: 3, maintainMinIdle: true });
    const a1 = await pool.acquire('a');
    await settle(clock);
    assertSizes(pool, 2, [['a', 2, 1, 1]]);
    await pool.acquire('b');
    const c = await pool.acquire('c'); // evicts the idle one of 'a'
    await settle(clock);
    assert.equal(c.endpoint, 'c');
    assertSizes(pool, 3, [
      ['a', 1, 1, 0],
      ['b', 1, 1, 0],
      ['c', 1, 1, 0],
    ]);
    await pool.release(a1);
  });

  it('failed creates back off with createRetryDelay, then it tries again by itself', async () => {
    const { pool, mock } = makePool({ minIdle: 1, maintainMinIdle: true, createRetryDelay: 100 });
    const err = new Error('refused');
    await pool.prewarm('a');
    const [c1] = mock.created;
    mock.set('create', { error: err });
    const held = await pool.acquire('a');
    assert.equal(held, c1);
    await pool.discard(held);
    await settle(clock);
    assert.equal(mock.callsOf('create').length, 2, 'the replacement failed');
    await clock.tickAsync(99);
    assert.equal(mock.callsOf('create').length, 2, 'no retry during the wait');
    await clock.tickAsync(1);
    assert.equal(mock.callsOf('create').length, 3, 'retried when the wait ended');
    mock.set('create');
    await clock.tickAsync(400);
    assert.ok(mock.callsOf('create').length <= 5, 'at most one create per wait');
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('without backoff (createRetryDelay 0) a failed replacement is not retried in a loop', async () => {
    const { pool, mock } = makePool({ minIdle: 1, maintainMinIdle: true, createRetryDelay: 0 });
    mock.set('create', { error: new Error('refused') });
    await assert.rejects(pool.prewarm('a'), /refused/);
    await settle(clock);
    await clock.tickAsync(10_000);
    assert.equal(mock.callsOf('create').length, 1, 'retried at the next acquire, not before');
    mock.set('create');
    const c = await pool.acquire('a');
    await settle(clock);
    assert.equal(c.id, 2);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('stops at close: nothing is replaced, no timer is left', async () => {
    const { pool, mock } = makePool({ minIdle: 2, maintainMinIdle: true });
    await pool.prewarm('a');
    await closePool(pool, clock);
    assert.equal(mock.callsOf('create').length, 2);
    assert.equal(pool.size, 0);
    assert.equal(clock.countTimers(), 0);
  });

  it('off by default: nothing is created beyond what acquirers ask for', async () => {
    const { pool, mock } = makePool({ minIdle: 3 });
    await pool.acquire('a');
    await settle(clock);
    assert.equal(mock.callsOf('create').length, 1);
  });
});
