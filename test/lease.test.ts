// SPEC section 3 `lease()` / `Lease` and decision 12.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolTimeoutError } from '../src/index.ts';
import {
  assertSizes,
  call,
  disposeReasons,
  makePool,
  rejected,
  settle,
  useFakeClock,
} from './helpers/pool.ts';

describe('lease (decision 12)', () => {
  const clock = useFakeClock();

  it('holds an acquired connection and its endpoint', async () => {
    const { pool, mock } = makePool<readonly [string, number]>({ minIdle: 0, maxSize: 2 });
    const endpoint = ['h', 1] as const;
    const lease = await pool.lease(endpoint);
    assert.equal(lease.connection, mock.created[0]);
    assert.equal(lease.endpoint, endpoint);
    assertSizes(pool, 1, [[endpoint, 1, 1, 0]]);
    await lease.release();
    assertSizes(pool, 1, [[endpoint, 1, 0, 1]]);
  });

  it('release twice: the second resolves and does nothing', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 2 });
    const lease = await pool.lease('a');
    await lease.release();
    const again = call(() => lease.release());
    await settle(clock);
    assert.equal(again.state, 'fulfilled');
    assert.equal(mock.callsOf('onRelease').length, 1);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    // the second release did not return the connection while someone else holds it
    const c = await pool.acquire('a');
    assert.equal(c, lease.connection);
    await lease.release();
    await lease.discard();
    await lease[Symbol.asyncDispose]();
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    assert.deepEqual(disposeReasons(log), []);
  });

  it('discard twice, or discard after release: the later calls do nothing', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 2 });
    const l1 = await pool.lease('a');
    await l1.discard(new Error('broken'));
    await l1.discard();
    await l1.release();
    assert.deepEqual(disposeReasons(log), [[1, 'discarded']]);
    assert.equal(mock.callsOf('onRelease').length, 0);
    const l2 = await pool.lease('a');
    await l2.release();
    await l2.discard();
    assert.deepEqual(disposeReasons(log), [[1, 'discarded']]);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('Symbol.asyncDispose releases', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    const lease = await pool.lease('a');
    await lease[Symbol.asyncDispose]();
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    assert.equal(mock.callsOf('onRelease').length, 1);
    await lease[Symbol.asyncDispose]();
    assert.equal(mock.callsOf('onRelease').length, 1);
  });

  it('passes timeout and signal to acquire', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const held = await pool.lease('a');
    const t = call(() => pool.lease('a', { timeout: 0 }));
    const ac = new AbortController();
    ac.abort(new Error('no'));
    const t2 = call(() => pool.lease('a', { signal: ac.signal }));
    await settle(clock);
    assert.ok(rejected(t) instanceof ConnectionPoolTimeoutError);
    assert.equal(rejected(t2), ac.signal.reason);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    await held.release();
  });
});
