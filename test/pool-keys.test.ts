// SPEC rule 1 (endpoint keys) and decision 8.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPool } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import { MockConnectionManager } from '../src/testing/index.ts';
import { call, makePool, rejected, settle, sizes, useFakeClock } from './helpers/pool.ts';

describe('endpoint keys (rule 1)', () => {
  const clock = useFakeClock();

  /** Acquires `a`, releases it, acquires `b`: returns whether `b` reused `a`'s connection. */
  async function shares(a: unknown, b: unknown): Promise<boolean> {
    const { pool, mock } = makePool<unknown>({ minIdle: 1, maxSize: 5 });
    const c1 = await pool.acquire(a);
    await pool.release(c1);
    const c2 = await pool.acquire(b);
    const same = c1 === c2;
    assert.equal(mock.created.length, same ? 1 : 2);
    assert.equal(pool.size, same ? 1 : 2);
    return same;
  }

  it('a string is its own key', async () => {
    assert.equal(await shares('db', 'db'), true);
    assert.equal(await shares('db', 'DB'), false);
  });

  it('a number is its own key', async () => {
    assert.equal(await shares(5432, 5432), true);
    assert.equal(await shares(5432, 5433), false);
  });

  it('number 1 and string "1" are different endpoints', async () => {
    const { pool, mock } = makePool<string | number>({ minIdle: 1, maxSize: 5 });
    const n = await pool.acquire(1);
    const s = await pool.acquire('1');
    assert.notEqual(n, s);
    assert.equal(n.endpoint, 1);
    assert.equal(s.endpoint, '1');
    assert.deepEqual(sizes(pool, 1), { all: 1, acquired: 1, idle: 0 });
    assert.deepEqual(sizes(pool, '1'), { all: 1, acquired: 1, idle: 0 });
    await pool.release(n);
    assert.deepEqual(sizes(pool, 1), { all: 1, acquired: 0, idle: 1 });
    assert.deepEqual(sizes(pool, '1'), { all: 1, acquired: 1, idle: 0 });
    assert.equal(pool.size, 2);
    assert.equal(mock.created.length, 2);
  });

  it("['h', 1] equals a fresh ['h', 1] and shares its connection", async () => {
    const { pool, mock } = makePool<readonly [string, number]>({ minIdle: 1, maxSize: 5 });
    const c1 = await pool.acquire(['h', 1]);
    assert.deepEqual(sizes(pool, ['h', 1]), { all: 1, acquired: 1, idle: 0 });
    await pool.release(c1);
    assert.deepEqual(sizes(pool, ['h', 1]), { all: 1, acquired: 0, idle: 1 });
    const c2 = await pool.acquire(['h', 1]);
    assert.equal(c2, c1);
    assert.equal(mock.created.length, 1);
    assert.deepEqual(mock.created[0]?.endpoint, ['h', 1]);
    assert.deepEqual(sizes(pool, ['h', 2]), { all: 0, acquired: 0, idle: 0 });
  });

  it('plain objects are keyed by content, independent of key order', async () => {
    assert.equal(await shares({ host: 'a', port: 1 }, { port: 1, host: 'a' }), true);
    assert.equal(await shares({ host: 'a', port: 1 }, { host: 'a', port: 2 }), false);
    assert.equal(await shares({ host: 'a' }, { host: 'a', port: 1 }), false);
  });

  it('nested arrays and objects with string, number, boolean and null are keyed by content', async () => {
    const a = { db: ['x', { tls: true, ca: null, port: 5 }], n: [1, [2, 3]] };
    const b = { n: [1, [2, 3]], db: ['x', { port: 5, ca: null, tls: true }] };
    assert.equal(await shares(a, b), true);
    assert.equal(await shares(a, { ...b, n: [1, [3, 2]] }), false, 'array order matters');
  });

  it('content keys distinguish types and boundaries inside', async () => {
    assert.equal(await shares([1], ['1']), false, '[1] vs ["1"]');
    assert.equal(await shares([true], ['true']), false, '[true] vs ["true"]');
    assert.equal(await shares([null], ['null']), false, '[null] vs ["null"]');
    assert.equal(await shares(['a,b'], ['a', 'b']), false, '["a,b"] vs ["a","b"]');
    assert.equal(await shares([['a'], 'b'], ['a', ['b']]), false, 'nesting matters');
    assert.equal(await shares({ a: 'b' }, ['a', 'b']), false, 'object vs array');
    assert.equal(await shares(['x'], 'x'), false, 'array vs string');
    assert.equal(await shares([], {}), false, 'empty array vs empty object');
  });

  it('an endpoint nested 200 deep without a cycle is keyed by content', async () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'db' : { down: [nest(depth - 1)] });
    assert.equal(await shares(nest(100), nest(100)), true);
    assert.equal(await shares(nest(100), nest(99)), false);
  });

  it('an object property holding undefined is as if absent', async () => {
    assert.equal(await shares({ host: 'db', port: undefined }, { host: 'db' }), true);
    assert.equal(await shares({ host: 'db' }, { port: undefined, host: 'db' }), true);
    assert.equal(await shares({ a: undefined }, {}), true);
    assert.equal(await shares({ host: 'db', port: undefined }, { host: 'db', port: null }), false);
    const { pool } = makePool<unknown>({ minIdle: 1, maxSize: 5 });
    await pool.acquire({ host: 'db', tls: { ca: undefined } });
    assert.deepEqual(sizes(pool, { host: 'db', tls: {} }), { all: 1, acquired: 1, idle: 0 });
  });

  it('an array element holding undefined is an element of its own', async () => {
    assert.equal(await shares(['db', undefined], ['db', undefined]), true);
    assert.equal(await shares(['db', undefined], ['db']), false);
    assert.equal(await shares(['db', undefined], ['db', null]), false);
    assert.equal(await shares([undefined], ['undefined']), false);
  });

  for (const [name, make] of [
    [
      'a class instance',
      () =>
        new (class Endpoint {
          host = 'a';
        })(),
    ],
    ['a Map', () => new Map([['host', 'a']])],
    ['a Date', () => new Date(0)],
    ['a function', () => () => 'a'],
    ['a symbol', () => Symbol('a')],
    ['an array holding a Date', () => ['a', new Date(0)]],
    ['an object holding a function', () => ({ host: 'a', f: () => 1 })],
    ['an object holding a Map', () => ({ host: 'a', m: new Map() })],
  ] as const) {
    it(`${name} without endpointKey is a TypeError at acquire, state unchanged`, async () => {
      const { pool, mock, log } = makePool<unknown>({ minIdle: 1, maxSize: 5 });
      const idle = await pool.acquire('ok');
      await pool.release(idle);
      const callsBefore = mock.calls.length;
      const logBefore = log.length;
      const t = call(() => pool.acquire(make()));
      await settle(clock);
      const err = rejected(t);
      assert.ok(err instanceof TypeError, `expected TypeError, got ${String(err)}`);
      assert.equal(pool.size, 1);
      assert.deepEqual(sizes(pool, 'ok'), { all: 1, acquired: 0, idle: 1 });
      assert.equal(mock.calls.length, callsBefore, 'no hook was called');
      assert.equal(log.length, logBefore, 'no event was emitted');
      // the pool still works
      assert.equal(await pool.acquire('ok'), idle);
    });
  }

  it('endpointKey lets endpoints with equal keys share connections, and accepts any endpoint type', async () => {
    class Server {
      readonly host: string;
      readonly tag: number;
      constructor(host: string, tag: number) {
        this.host = host;
        this.tag = tag;
      }
    }
    const mock = new MockConnectionManager<Server>();
    const keys: Server[] = [];
    const pool = new ConnectionPool<Server, MockConnection<Server>>(mock, {
      minIdle: 1,
      maxSize: 5,
      endpointKey: (s) => {
        keys.push(s);
        return s.host;
      },
    });
    const first = new Server('a', 1);
    const c1 = await pool.acquire(first);
    assert.equal(mock.callsOf('create')[0]?.endpoint, first, 'create gets the endpoint as passed');
    await pool.release(c1);
    const c2 = await pool.acquire(new Server('a', 2));
    assert.equal(c2, c1);
    const c3 = await pool.acquire(new Server('b', 1));
    assert.notEqual(c3, c1);
    assert.equal(mock.created.length, 2);
    assert.deepEqual(sizes(pool, new Server('a', 99)), { all: 1, acquired: 1, idle: 0 });
    assert.deepEqual(sizes(pool, new Server('b', 99)), { all: 1, acquired: 1, idle: 0 });
    assert.ok(keys.length >= 3);
  });

  it('endpointKey may return numbers; 1 and "1" from endpointKey are different keys', async () => {
    const mock = new MockConnectionManager<{ id: number | string }>();
    const pool = new ConnectionPool<
      { id: number | string },
      MockConnection<{ id: number | string }>
    >(mock, {
      minIdle: 1,
      maxSize: 5,
      endpointKey: (e) => e.id,
    });
    const c1 = await pool.acquire({ id: 1 });
    await pool.release(c1);
    const c2 = await pool.acquire({ id: '1' });
    assert.notEqual(c2, c1);
    await pool.release(c2);
    assert.equal(await pool.acquire({ id: 1 }), c1);
    assert.equal(mock.created.length, 2);
  });

  it('getEndpointPoolSize of an unknown endpoint is 0', () => {
    const { pool } = makePool<unknown>();
    assert.deepEqual(sizes(pool, 'nobody'), { all: 0, acquired: 0, idle: 0 });
    assert.deepEqual(sizes(pool, ['h', 1]), { all: 0, acquired: 0, idle: 0 });
    assert.equal(pool.size, 0);
    assert.equal(pool.isFull, false);
  });

  it('sizes of an endpoint read through a fresh equal key', async () => {
    const { pool } = makePool<unknown>({ minIdle: 1, maxSize: 5 });
    const a = await pool.acquire({ h: 'x', p: [1, 2] });
    const b = await pool.acquire({ p: [1, 2], h: 'x' });
    await pool.release(a);
    assert.deepEqual(sizes(pool, { h: 'x', p: [1, 2] }), { all: 2, acquired: 1, idle: 1 });
    assert.notEqual(a, b);
    assert.equal(pool.size, 2);
  });
});
