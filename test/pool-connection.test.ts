// SPEC section 3 `connection()` and decision 12.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolTimeoutError } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import {
  assertSizes,
  call,
  disposeReasons,
  fulfilled,
  makePool,
  pending,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('connection() (decision 12)', () => {
  const clock = useFakeClock();

  it('runs fn with an acquired connection, releases it, and resolves with what fn returned', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    let seen: MockConnection | undefined;
    const result = await pool.connection('a', (conn) => {
      seen = conn;
      assertSizes(pool, 1, [['a', 1, 1, 0]]);
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(seen, mock.created[0]);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    assert.equal(mock.callsOf('onRelease').length, 1);
  });

  it('awaits an async fn and releases only after it settled', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const t = track(
      pool.connection('a', async (conn) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return conn.id;
      }),
    );
    await clock.tickAsync(99);
    pending(t);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    await clock.tickAsync(1);
    await settle(clock);
    assert.equal(fulfilled(t), 1);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  for (const async of [false, true]) {
    it(`fn ${async ? 'rejects' : 'throws'}: its error propagates and the connection is released, not disposed`, async () => {
      const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
      const err = new Error('query failed');
      const t = call(() =>
        pool.connection(
          'a',
          async === true
            ? async () => Promise.reject(err)
            : () => {
                throw err;
              },
        ),
      );
      await settle(clock);
      assert.equal(rejected(t), err);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.deepEqual(mock.disposed, []);
      assert.equal(mock.callsOf('onRelease').length, 1);
    });
  }

  it('fn throws and the release fails too: fn error propagates', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const err = new Error('query failed');
    mock.once('onRelease', { error: new Error('reset failed') });
    const t = call(() =>
      pool.connection('a', () => {
        throw err;
      }),
    );
    await settle(clock);
    assert.equal(rejected(t), err);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('fn succeeds and the release fails: the release error rejects', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const err = new Error('reset failed');
    mock.once('onRelease', { error: err });
    const t = call(() => pool.connection('a', () => 'ok'));
    await settle(clock);
    assert.equal(rejected(t), err);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('passes timeout and signal to acquire; fn is not called when acquire fails', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const held = await pool.acquire('a');
    let calls = 0;
    const fn = (): void => {
      calls++;
    };
    const t1 = call(() => pool.connection('a', fn, { timeout: 100 }));
    const ac = new AbortController();
    const t2 = call(() => pool.connection('a', fn, { signal: ac.signal }));
    await clock.tickAsync(50);
    const reason = new Error('gone');
    ac.abort(reason);
    await clock.tickAsync(50);
    assert.ok(rejected(t1) instanceof ConnectionPoolTimeoutError);
    assert.equal(rejected(t2), reason);
    assert.equal(calls, 0);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    await pool.release(held);
  });

  it('fn that discards its connection itself: connection() resolves (the release is a no-op for it)', async () => {
    const { pool, log } = makePool({ minIdle: 0, maxSize: 1 });
    const t = call(() =>
      pool.connection('a', async (conn) => {
        await pool.discard(conn);
        return 'done';
      }),
    );
    await settle(clock);
    // Either resolving or rejecting with ConnectionNotAcquiredError is defensible; the pool must stay exact.
    if (t.state === 'rejected')
      assert.equal((t.reason as { code?: string }).code, 'ERR_POOL_NOT_ACQUIRED');
    else assert.equal(fulfilled(t), 'done');
    assert.deepEqual(disposeReasons(log), [[1, 'discarded']]);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
  });
});
