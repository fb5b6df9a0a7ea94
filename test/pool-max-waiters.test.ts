// SPEC §7 maxWaiters: an acquire that would wait behind this many others rejects at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolError, ConnectionPoolQueueFullError } from '../src/index.ts';
import {
  assertSizes,
  fulfilled,
  makePool,
  pending,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

function assertQueueFull(err: unknown, endpoint: string, limit: number): void {
  assert.ok(err instanceof ConnectionPoolQueueFullError, `expected QueueFull, got ${err}`);
  assert.ok(err instanceof ConnectionPoolError);
  assert.equal(err.code, 'ERR_POOL_QUEUE_FULL');
  assert.ok(err.message.includes(JSON.stringify(endpoint)), err.message);
  assert.ok(err.message.includes(`maxWaiters is ${limit}`), err.message);
}

describe('maxWaiters (SPEC §7)', () => {
  const clock = useFakeClock();

  it('the acquire that would wait behind maxWaiters others rejects at once; the state is unchanged', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, maxWaiters: 2 });
    const c1 = await pool.acquire('a');
    const w1 = track(pool.acquire('a'));
    const w2 = track(pool.acquire('a'));
    const w3 = track(pool.acquire('a'));
    await settle(clock);
    assertQueueFull(rejected(w3), 'a', 2);
    pending(w1);
    pending(w2);
    assert.equal(pool.stats().waiting, 2);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    assert.equal(mock.callsOf('create').length, 1);
    await pool.release(c1);
    await settle(clock);
    assert.equal(fulfilled(w1), c1);
    const w4 = track(pool.acquire('a'));
    await settle(clock);
    pending(w4);
    assert.equal(pool.stats().waiting, 2, 'room again once one left the queue');
  });

  it('acquirers that can create at once are not waiters: maxWaiters 0 still lets the pool grow', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 3, maxWaiters: 0 });
    const got = [1, 2, 3].map(() => track(pool.acquire('a')));
    const refused = track(pool.acquire('a'));
    await settle(clock);
    assert.deepEqual(
      got.map((g) => fulfilled(g).id),
      [1, 2, 3],
    );
    assertQueueFull(rejected(refused), 'a', 0);
  });

  it('per endpoint: another endpoint has its own queue', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1, maxWaiters: 1 });
    await pool.acquire('a');
    await pool.acquire('b');
    const wa = track(pool.acquire('a'));
    const wb = track(pool.acquire('b'));
    await settle(clock);
    pending(wa);
    pending(wb);
    const extra = track(pool.acquire('a'));
    await settle(clock);
    assertQueueFull(rejected(extra), 'a', 1);
  });
});
