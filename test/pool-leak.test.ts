// SPEC §7 leakDetectionThreshold: one `leak` event per acquire held too long, with its stack.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closePool, eventsOf, makePool, settle, timersDue, useFakeClock } from './helpers/pool.ts';

describe('leakDetectionThreshold (SPEC §7)', () => {
  const clock = useFakeClock();

  it('a connection held for the threshold emits exactly one leak event with the stack of its acquire', async () => {
    const { pool, log } = makePool({ leakDetectionThreshold: 1000 });
    const c1 = await pool.acquire('a');
    await clock.tickAsync(999);
    assert.deepEqual(eventsOf(log, 'leak'), []);
    await clock.tickAsync(1);
    const leaks = eventsOf(log, 'leak');
    assert.equal(leaks.length, 1);
    const [leak] = leaks;
    assert.equal(leak!.endpoint, 'a');
    assert.equal(leak!.connection, c1);
    assert.equal(leak!.heldMs, 1000);
    assert.equal(typeof leak!.stack, 'string');
    assert.ok(
      (leak!.stack as string).includes('pool-leak.test'),
      `the stack shows the caller's line: ${leak!.stack}`,
    );
    await clock.tickAsync(10_000);
    assert.equal(eventsOf(log, 'leak').length, 1, 'once per acquire');
    await pool.release(c1);
    await closePool(pool, clock);
  });

  it('released in time: no event; a later acquire of the same connection is watched anew', async () => {
    const { pool, log } = makePool({ leakDetectionThreshold: 100 });
    const c1 = await pool.acquire('a');
    await clock.tickAsync(99);
    await pool.release(c1);
    await clock.tickAsync(1000);
    assert.deepEqual(eventsOf(log, 'leak'), []);
    const again = await pool.acquire('a');
    assert.equal(again, c1);
    await clock.tickAsync(100);
    assert.equal(eventsOf(log, 'leak').length, 1);
    await pool.discard(again);
  });

  it('connections served after a wait carry their own acquire stack', async () => {
    const { pool, log } = makePool({ leakDetectionThreshold: 50, maxSize: 1 });
    const c1 = await pool.acquire('a');
    const waiting = pool.acquire('a');
    await pool.release(c1);
    const c2 = await waiting;
    await clock.tickAsync(50);
    const leaks = eventsOf(log, 'leak');
    assert.equal(leaks.length, 1);
    assert.equal(leaks[0]!.connection, c2);
    assert.ok((leaks[0]!.stack as string).includes('pool-leak.test'));
  });

  it('a discarded or force-closed connection is no leak', async () => {
    const { pool, log } = makePool({ leakDetectionThreshold: 100 });
    const c1 = await pool.acquire('a');
    await pool.acquire('a');
    await pool.discard(c1);
    const closing = pool.close({ timeout: 50 });
    await clock.tickAsync(50);
    await closing;
    await clock.tickAsync(1000);
    await settle(clock);
    assert.deepEqual(eventsOf(log, 'leak'), []);
  });

  it('by default (0) nothing is watched and no timer runs', async () => {
    const { pool, log } = makePool();
    await pool.acquire('a');
    assert.deepEqual(timersDue(clock), [30_000], "only the acquire deadlines' timer");
    const watched = makePool({ leakDetectionThreshold: 10 }).pool;
    await watched.acquire('a');
    assert.deepEqual(
      timersDue(clock),
      [10, 30_000, 30_000],
      "the leak timer, when on (and each pool's acquire deadlines' timer)",
    );
    await clock.tickAsync(3_600_000);
    assert.deepEqual(eventsOf(log, 'leak'), []);
  });
});
