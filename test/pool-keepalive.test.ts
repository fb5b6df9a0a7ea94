// SPEC §7 keepAliveInterval: background aliveness checks of idle connections.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolTimeoutError } from '../src/index.ts';
import {
  assertHeldTimers,
  assertSizes,
  closePool,
  disposeReasons,
  eventsOf,
  fulfilled,
  makePool,
  pending,
  settle,
  timersDue,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('keepAliveInterval (SPEC §7)', () => {
  const clock = useFakeClock();

  it('an idle connection is checked every interval while it stays idle', async () => {
    const { pool, mock } = makePool({ keepAliveInterval: 1000 });
    await pool.release(await pool.acquire('a'));
    await clock.tickAsync(999);
    assert.equal(mock.callsOf('checkAliveness').length, 0);
    await clock.tickAsync(1);
    assert.equal(mock.callsOf('checkAliveness').length, 1);
    await clock.tickAsync(2000);
    assert.equal(mock.callsOf('checkAliveness').length, 3);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('a connection in use, or used within the interval, is not checked', async () => {
    const { pool, mock } = makePool({ keepAliveInterval: 1000, minIdle: 0, maxSize: 2 });
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.release(c1);
    await clock.tickAsync(600);
    await pool.release(await pool.acquire('a')); // c1 again: checked at acquire, released at 600
    assert.equal(mock.callsOf('checkAliveness').length, 1);
    await clock.tickAsync(400); // sweep at 1000: c1 was used 400 ms ago, c2 is held
    assert.equal(mock.callsOf('checkAliveness').length, 1);
    await clock.tickAsync(1000); // sweep at 2000: c1 idle for 1400 ms
    assert.deepEqual(
      mock.callsOf('checkAliveness').map((c) => c.connection?.id),
      [1, 1],
    );
    await pool.release(c2);
  });

  it('a dead connection is disposed (reason dead), onConnectionDead is called, dead is counted', async () => {
    const { pool, mock, log } = makePool({ keepAliveInterval: 1000 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    c1.alive = false;
    await clock.tickAsync(1000);
    assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
    assert.deepEqual(eventsOf(log, 'dead'), [{ endpoint: 'a', connection: c1 }]);
    assert.deepEqual(
      mock.callsOf('onConnectionDead').map((c) => c.connection),
      [c1],
    );
    assert.equal(pool.stats().totals.deadConnections, 1);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
  });

  it('with maintainMinIdle the dead connection is replaced at once', async () => {
    const { pool, mock } = makePool({ keepAliveInterval: 1000, maintainMinIdle: true });
    await pool.prewarm('a');
    mock.created[0]!.alive = false;
    await clock.tickAsync(1000);
    await settle(clock);
    assert.equal(mock.created.length, 2);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('never while someone could take it: during the check it is not idle; a waiter gets it after', async () => {
    const { pool, mock } = makePool({ keepAliveInterval: 1000, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.set('checkAliveness', { delay: 100 });
    await clock.tickAsync(1000);
    assert.equal(mock.active('checkAliveness'), 1);
    assertSizes(pool, 1, [['a', 1, 1, 0]], 'being checked counts as acquired');
    const waiter = track(pool.acquire('a'));
    await clock.tickAsync(99);
    pending(waiter);
    assert.equal(mock.callsOf('create').length, 1, 'maxSize 1: it waits, it does not create');
    await clock.tickAsync(1);
    assert.equal(fulfilled(waiter), c1);
    assert.equal(mock.callsOf('checkAliveness').length, 1, 'just checked: handed over unchecked');
  });

  it('a check that throws leaves the connection idle; the next acquirer checks it again', async () => {
    const { pool, mock, log } = makePool({ keepAliveInterval: 1000 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.once('checkAliveness', { error: new Error('check failed') });
    await clock.tickAsync(1000);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    assert.deepEqual(disposeReasons(log), []);
    assert.equal(await pool.acquire('a'), c1);
    assert.equal(mock.callsOf('checkAliveness').length, 2);
  });

  it('close aborts a check in progress and disposes the connection; no timer is left', async () => {
    const { pool, mock, log } = makePool({ keepAliveInterval: 1000 });
    await pool.release(await pool.acquire('a'));
    mock.set('checkAliveness', { delay: 60_000 });
    await clock.tickAsync(1000);
    assert.equal(mock.active('checkAliveness'), 1);
    await closePool(pool, clock);
    assert.equal(mock.aborted[0]?.hook, 'checkAliveness');
    assert.deepEqual(disposeReasons(log), [[1, 'closed']]);
    assert.equal(clock.countTimers(), 0);
  });

  it('a check that outlasts createTimeout is aborted and its connection disposed as dead', async () => {
    const { pool, mock, log } = makePool({ keepAliveInterval: 1000, createTimeout: 5000 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.set('checkAliveness', { delay: 60_000 });
    await clock.tickAsync(1000);
    assert.equal(mock.active('checkAliveness'), 1);
    await clock.tickAsync(4999);
    assertSizes(pool, 1, [['a', 1, 1, 0]], 'still being checked');
    await clock.tickAsync(1);
    assert.equal(mock.aborted.length, 1);
    assert.equal(mock.aborted[0]?.hook, 'checkAliveness');
    assert.ok(mock.aborted[0]?.reason instanceof ConnectionPoolTimeoutError);
    assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
    assert.deepEqual(eventsOf(log, 'dead'), [{ endpoint: 'a', connection: c1 }]);
    assert.equal(mock.callsOf('onConnectionDead').length, 1);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    mock.set('checkAliveness', {});
    const c2 = await pool.acquire('a');
    assert.equal(c2.id, 2, 'the room it held is free again');
    await pool.release(c2);
  });

  it('a check that ignores the abort: the connection is gone at the budget, its late answer ignored', async () => {
    const { pool, mock, log } = makePool({ keepAliveInterval: 1000, createTimeout: 5000 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.set('checkAliveness', { delay: 60_000, ignoreSignal: true });
    await clock.tickAsync(6000);
    assert.equal(mock.active('checkAliveness'), 1, 'the check still runs');
    assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    await clock.tickAsync(55_000); // the check answers "alive" now
    assert.equal(mock.active('checkAliveness'), 0, 'the check has answered');
    assert.deepEqual(disposeReasons(log), [[1, 'dead']], 'disposed once');
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    await closePool(pool, clock);
    assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
    assert.equal(clock.countTimers(), 0);
  });

  it('a check that answers within createTimeout leaves no timer behind', async () => {
    const { pool, mock } = makePool({ keepAliveInterval: 10_000, createTimeout: 5000 });
    await pool.release(await pool.acquire('a'));
    mock.set('checkAliveness', { delay: 100 });
    await clock.tickAsync(10_100);
    assert.equal(mock.callsOf('checkAliveness').length, 1);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    assert.deepEqual(
      timersDue(clock),
      [20_100, 30_000, 3_600_000],
      "the next sweep, the acquire deadlines' (from the first acquire) and the expiry " +
        'collector, no check budget',
    );
    assertHeldTimers(clock, 0);
  });

  it('off by default: idle connections are only checked at acquire', async () => {
    const { pool, mock } = makePool();
    await pool.release(await pool.acquire('a'));
    await clock.tickAsync(600_000);
    assert.equal(mock.callsOf('checkAliveness').length, 0);
  });
});
