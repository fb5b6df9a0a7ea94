// SPEC rule 11 (misuse): release/discard of a connection not currently acquired from this pool.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionNotAcquiredError, ConnectionPool, ConnectionPoolError } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import {
  assertSizes,
  call,
  eventsOf,
  fulfilled,
  makePool,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

function assertNotAcquired(err: unknown): void {
  assert.ok(
    err instanceof ConnectionNotAcquiredError,
    `expected ConnectionNotAcquiredError, got ${String(err)}`,
  );
  assert.ok(err instanceof ConnectionPoolError);
  assert.equal(err.code, 'ERR_POOL_NOT_ACQUIRED');
}

describe('misuse (rule 11)', () => {
  const clock = useFakeClock();

  for (const op of ['release', 'discard'] as const) {
    it(`${op} twice: the second rejects and the state is unchanged`, async () => {
      const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 3 });
      const c1 = await pool.acquire('a');
      await pool[op](c1);
      const before = { size: pool.size, calls: mock.calls.length, events: log.length };
      const t = call(() => pool[op](c1));
      await settle(clock);
      assertNotAcquired(rejected(t));
      assert.deepEqual({ size: pool.size, calls: mock.calls.length, events: log.length }, before);
      if (op === 'release') {
        assertSizes(pool, 1, [['a', 1, 0, 1]]);
        // the connection is idle once, not twice
        assert.equal(await pool.acquire('a'), c1);
        assert.equal((await pool.acquire('a')).id, 2);
        assertSizes(pool, 2, [['a', 2, 2, 0]]);
      } else {
        assertSizes(pool, 0, [['a', 0, 0, 0]]);
        assert.deepEqual(mock.disposed, [c1]);
      }
    });
  }

  it('release after discard and discard after release reject; nothing is disposed twice', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 3 });
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.discard(c1);
    await pool.release(c2);
    const t1 = call(() => pool.release(c1));
    const t2 = call(() => pool.discard(c2));
    await settle(clock);
    assertNotAcquired(rejected(t1));
    assertNotAcquired(rejected(t2));
    assert.deepEqual(mock.disposed, [c1]);
    assert.equal(mock.callsOf('onRelease').length, 1);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('release of an idle connection rejects; it stays idle once', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 3 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    await assert.rejects(pool.release(c1), ConnectionNotAcquiredError);
    await assert.rejects(pool.discard(c1), ConnectionNotAcquiredError);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
    assert.equal(await pool.acquire('a'), c1);
  });

  it('a foreign object, a lookalike and a connection of another pool are rejected', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 3 });
    const c1 = await pool.acquire('a');
    const other = new ConnectionPool<string, MockConnection>(mock, { minIdle: 0 });
    const o1 = await other.acquire('a');
    const lookalike: MockConnection = { ...c1 };
    for (const bad of [
      {} as MockConnection,
      lookalike,
      o1,
      null as unknown as MockConnection,
      undefined as unknown as MockConnection,
    ]) {
      const r = call(() => pool.release(bad));
      const d = call(() => pool.discard(bad));
      await settle(clock);
      assertNotAcquired(rejected(r));
      assertNotAcquired(rejected(d));
    }
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    assertSizes(other, 1, [['a', 1, 1, 0]]);
    assert.deepEqual(mock.disposed, []);
    await pool.release(c1);
    await other.release(o1);
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('release of a connection still being checked or set up by an acquire rejects', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    mock.once('checkAliveness', { delay: 100 });
    const t = track(pool.acquire('a'));
    await settle(clock);
    await assert.rejects(pool.release(c1), ConnectionNotAcquiredError);
    await clock.tickAsync(100);
    assert.equal(fulfilled(t), c1);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    assert.equal(eventsOf(log, 'release').length, 1);
  });
});
