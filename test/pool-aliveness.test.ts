// SPEC rule 8 (aliveness) and decision 3.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionManager } from '../src/index.ts';
import { BaseConnectionManager, ConnectionPool } from '../src/index.ts';
import { MockConnectionManager } from '../src/testing/index.ts';
import {
  assertSizes,
  disposeReasons,
  eventsOf,
  ids,
  makePool,
  rejected,
  settle,
  track,
  useFakeClock,
  watchLimits,
} from './helpers/pool.ts';

interface Conn {
  n: number;
}

describe('aliveness (rule 8)', () => {
  const clock = useFakeClock();

  it('every reuse of an idle connection is checked with (endpoint, connection, { signal }); fresh ones are not', async () => {
    const log: Array<[string, string, number | undefined, boolean]> = [];
    let n = 0;
    const manager: ConnectionManager<string, Conn> = {
      create(endpoint, context) {
        log.push(['create', endpoint, undefined, context.signal instanceof AbortSignal]);
        return { n: ++n };
      },
      dispose(endpoint, connection, context) {
        log.push(['dispose', endpoint, connection.n, context.signal instanceof AbortSignal]);
      },
      checkAliveness(endpoint, connection, context) {
        log.push(['check', endpoint, connection.n, context.signal instanceof AbortSignal]);
        return true;
      },
    };
    const pool = new ConnectionPool<string, Conn>(manager, { minIdle: 0, maxSize: 2 });
    const c1 = await pool.acquire('a');
    assert.deepEqual(log, [['create', 'a', undefined, true]]);
    await pool.release(c1);
    assert.equal(await pool.acquire('a'), c1);
    await pool.release(c1);
    assert.equal(await pool.acquire('a'), c1);
    assert.deepEqual(log, [
      ['create', 'a', undefined, true],
      ['check', 'a', 1, true],
      ['check', 'a', 1, true],
    ]);
  });

  it('false: disposed (dead), onConnectionDead called, the next idle connection is tried', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 3 });
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.release(c1);
    await clock.tickAsync(1);
    await pool.release(c2);
    c2.alive = false;
    const got = await pool.acquire('a');
    assert.equal(got, c1);
    assert.deepEqual(ids(mock.callsOf('checkAliveness').map((x) => x.connection)), [2, 1]);
    assert.deepEqual(mock.disposed, [c2]);
    assert.deepEqual(mock.callsOf('onConnectionDead'), [
      { hook: 'onConnectionDead', endpoint: 'a', connection: c2 },
    ]);
    assert.deepEqual(disposeReasons(log), [[c2.id, 'dead']]);
    assert.deepEqual(eventsOf(log, 'dead'), [{ endpoint: 'a', connection: c2 }]);
    assert.equal(mock.created.length, 2);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('when every idle connection is dead, a new one is created', async () => {
    const { pool, mock, log } = makePool({ minIdle: 1, maxSize: 2 });
    const violations = watchLimits(pool, mock, ['a'], { maxSize: 2, totalMaxSize: 100 });
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.release(c1);
    await pool.release(c2);
    c1.alive = false;
    c2.alive = false;
    const got = await pool.acquire('a');
    assert.equal(got.id, 3);
    assert.equal(got.alive, true);
    assert.deepEqual(
      disposeReasons(log).sort((x, y) => x[0] - y[0]),
      [
        [1, 'dead'],
        [2, 'dead'],
      ],
    );
    assert.equal(mock.callsOf('onConnectionDead').length, 2);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    assert.deepEqual(violations, []);
  });

  it('a dead connection frees its capacity for the new one (maxSize 1)', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 1, totalMaxSize: 1 });
    const violations = watchLimits(pool, mock, ['a'], { maxSize: 1, totalMaxSize: 1 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    c1.alive = false;
    const got = await pool.acquire('a');
    assert.equal(got.id, 2);
    assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
    assert.deepEqual(violations, []);
  });

  for (const sync of [true, false]) {
    it(`checkAliveness throws (${sync ? 'synchronously' : 'rejects'}): the connection returns to idle and acquire rejects with the error`, async () => {
      const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 2 });
      const c1 = await pool.acquire('a');
      await pool.release(c1);
      const err = new Error('check broke');
      mock.once('checkAliveness', { error: err, sync });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      assert.deepEqual(mock.disposed, []);
      assert.equal(mock.callsOf('onConnectionDead').length, 0);
      assert.deepEqual(disposeReasons(log), []);
      assertSizes(pool, 1, [['a', 1, 0, 1]]);
      assert.equal(await pool.acquire('a'), c1);
    });

    it(`onConnectionDead throws (${sync ? 'synchronously' : 'rejects'}): acquire rejects, the connection is already disposed`, async () => {
      const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 2 });
      const c1 = await pool.acquire('a');
      await pool.release(c1);
      c1.alive = false;
      const err = new Error('dead hook broke');
      mock.once('onConnectionDead', { error: err, sync });
      const t = track(pool.acquire('a'));
      await settle(clock);
      assert.equal(rejected(t), err);
      assert.deepEqual(mock.disposed, [c1]);
      assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
      assertSizes(pool, 0, [['a', 0, 0, 0]]);
      assert.equal(
        mock.callsOf('create').length,
        1,
        'no replacement was created for the failed acquire',
      );
    });
  }

  it('a synchronous manager works the same (sync: true)', async () => {
    const mock = new MockConnectionManager({ sync: true });
    const pool = new ConnectionPool(mock, { minIdle: 0, maxSize: 2 });
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.release(c1);
    await pool.release(c2);
    c2.alive = false;
    assert.equal(await pool.acquire('a'), c1);
    assert.deepEqual(mock.disposed, [c2]);
    assertSizes(pool, 1, [['a', 1, 1, 0]]);
  });

  it('a manager without checkAliveness reuses without checking', async () => {
    let n = 0;
    const disposed: Conn[] = [];
    const manager: ConnectionManager<string, Conn> = {
      create: () => ({ n: ++n }),
      dispose: (_e, c) => {
        disposed.push(c);
      },
    };
    const pool = new ConnectionPool<string, Conn>(manager, { minIdle: 0 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    assert.equal(await pool.acquire('a'), c1);
    assert.equal(n, 1);
    assert.deepEqual(disposed, []);
  });

  it('BaseConnectionManager: alive by default, hooks are no-ops', async () => {
    const disposed: Conn[] = [];
    class Manager extends BaseConnectionManager<string, Conn> {
      n = 0;
      create(): Conn {
        return { n: ++this.n };
      }
      dispose(_endpoint: string, connection: Conn): void {
        disposed.push(connection);
      }
    }
    const manager = new Manager();
    assert.equal(
      await manager.checkAliveness('a', { n: 0 }, { signal: new AbortController().signal }),
      true,
    );
    assert.equal(await manager.onAcquire('a', { n: 0 }), undefined);
    assert.equal(await manager.onRelease('a', { n: 0 }), undefined);
    assert.equal(await manager.onConnectionDead('a', { n: 0 }), undefined);
    const pool = new ConnectionPool<string, Conn>(manager, { minIdle: 0 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    assert.equal(await pool.acquire('a'), c1);
    await pool.discard(c1);
    assert.deepEqual(disposed, [c1]);
    assert.equal(manager.n, 1);
  });
});
