// SPEC §7 maxUses: a connection acquired this many times is disposed at its release.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertSizes,
  disposeReasons,
  fulfilled,
  makePool,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('maxUses (SPEC §7)', () => {
  const clock = useFakeClock();

  it('the use that reaches maxUses disposes the connection at its release', async () => {
    const { pool, mock, log } = makePool({ maxUses: 3 });
    for (let use = 1; use <= 3; use++) {
      const c = await pool.acquire('a');
      assert.equal(c.id, 1, `use ${use} gets the same connection`);
      await pool.release(c);
    }
    assert.deepEqual(disposeReasons(log), [[1, 'maxUses']]);
    assert.deepEqual(
      mock.disposed.map((c) => c.id),
      [1],
    );
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    assert.equal((await pool.acquire('a')).id, 2);
  });

  it('maxUses 1: every connection serves one acquire', async () => {
    const { pool, log } = makePool({ maxUses: 1 });
    for (let i = 1; i <= 3; i++) {
      const c = await pool.acquire('a');
      assert.equal(c.id, i);
      await pool.release(c);
    }
    assert.deepEqual(disposeReasons(log), [
      [1, 'maxUses'],
      [2, 'maxUses'],
      [3, 'maxUses'],
    ]);
  });

  it('a worn-out connection is not handed to a waiter; the waiter gets a fresh one', async () => {
    const { pool, log } = makePool({ maxSize: 1, maxUses: 1 });
    const c1 = await pool.acquire('a');
    const waiter = track(pool.acquire('a'));
    await settle(clock);
    await pool.release(c1);
    await settle(clock);
    assert.equal(fulfilled(waiter).id, 2);
    assert.deepEqual(disposeReasons(log), [[1, 'maxUses']]);
  });

  it('uses are acquires: a failed onAcquire does not count, a discard ends it anyway', async () => {
    const { pool, mock, log } = makePool({ maxUses: 2 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.once('onAcquire', { error: new Error('setup failed') });
    await assert.rejects(pool.acquire('a'), /setup failed/);
    const again = await pool.acquire('a');
    assert.equal(again, c1, 'the failed acquire was not a use');
    await pool.release(again);
    assert.deepEqual(disposeReasons(log), [[1, 'maxUses']]);
  });

  it('by default (Infinity) a connection is reused without limit', async () => {
    const { pool, log } = makePool();
    for (let i = 0; i < 1000; i++) await pool.release(await pool.acquire('a'));
    assert.deepEqual(disposeReasons(log), []);
    assert.equal(pool.stats().totals.created, 1);
  });
});
