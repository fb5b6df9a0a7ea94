// Found by an adversarial review (issue 10). An acquire that makes room under totalMaxSize evicts an
// idle connection of another endpoint; its `dispose` listener ran in the middle of that eviction.
// A listener that called acquire or prewarm took the freed room, and the create for the acquirer
// that evicted started anyway, without checking the limits again: the pool went past totalMaxSize
// (rule 3). With close() in the listener, that create started after close and was never aborted
// (rule 12).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolClosedError } from '../../src/index.ts';
import {
  closePool,
  makePool,
  rejected,
  settle,
  track,
  useFakeClock,
  watchLimits,
} from '../helpers/pool.ts';

describe('regression: a dispose listener during an eviction', () => {
  const clock = useFakeClock();

  for (const call of ['acquire', 'prewarm'] as const) {
    it(`that calls ${call} never takes the pool past totalMaxSize`, async () => {
      const limits = { maxSize: 2, totalMaxSize: 2 };
      const { pool, mock } = makePool({ ...limits, minIdle: 0 });
      const violations = watchLimits(pool, mock, ['a', 'b', 'c'], limits);
      const a = await pool.acquire('a');
      await pool.acquire('b');
      await pool.release(a); // the pool is full: a idle, b acquired
      let inner: Promise<unknown> | undefined;
      pool.on('dispose', ({ reason }) => {
        if (reason === 'evicted' && inner === undefined) {
          inner = call === 'acquire' ? pool.acquire('c', { timeout: 100 }) : pool.prewarm('c', 1);
          inner.catch(() => undefined);
        }
      });
      const acquiring = track(pool.acquire('b', { timeout: 100 }));
      await settle(clock);
      assert.ok(inner !== undefined, 'the listener ran');
      assert.deepEqual(violations, []);
      assert.equal(pool.size, 2);
      assert.equal(mock.callsOf('create').length, 3, 'one create for the room one eviction made');
      await clock.tickAsync(200);
      assert.notEqual(acquiring.state, 'pending');
      const closing = pool.close({ timeout: 10 }); // b and c are still acquired
      await clock.tickAsync(10);
      await closing;
      assert.deepEqual(violations, []);
    });
  }

  it('that calls close() lets no create start after close', async () => {
    const { pool, mock } = makePool({ maxSize: 2, totalMaxSize: 2, minIdle: 0 });
    const a = await pool.acquire('a');
    const b = await pool.acquire('b');
    await pool.release(a);
    let closing: Promise<void> | undefined;
    pool.on('dispose', ({ reason }) => {
      if (reason === 'evicted') closing = pool.close();
    });
    const acquiring = track(pool.acquire('b', { timeout: 100 }));
    await settle(clock);
    assert.ok(rejected(acquiring) instanceof ConnectionPoolClosedError);
    assert.equal(mock.callsOf('create').length, 2, 'no create after close');
    await pool.release(b);
    assert.ok(closing !== undefined);
    await closePool(pool, clock);
    assert.equal(pool.size, 0);
  });
});
