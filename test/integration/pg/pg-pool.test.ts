// PgPool against a real PostgreSQL, held to pg.Pool's contract: one counterpart for each test of
// public behaviour in node-postgres' own suite (packages/pg-pool/test at pg-pool@3.14.0, the release
// pg 8.23 installs). This file covers index.js, ending.js, error-handling.js, events.js,
// releasing-clients.js, connection-strings.js, logging.js, verify.js, lifecycle-hooks.js and
// submittable.js; pg-pool-timing.test.ts covers the timing ones. pg-pool test → ours:
//
// index.js
//   works totally unconfigured .................................. 'runs unconfigured, from the PG* environment variables'
//   passes props to clients ..................................... 'passes its config to each client'
//   can run a query with a callback (without parameters) ........ 'query: (text, callback) and (text, values, callback)'
//   passes connection errors to callback ........................ 'query: a refused connect reaches the callback and leaves no client'
//   does not pass client to error callback ...................... 'connect: a failed connect calls back with no client and a release function'
//   removes client if it errors in background ................... 'an idle client that errors is removed, with err.client set'
//   should not change given options ............................. 'leaves the given config unchanged'
//   does not create promises when connecting/querying/ending .... 'callback forms return undefined'
//   never calls callback syncronously ........................... 'connect never calls back synchronously'
//   connects, queries, and disconnects .......................... 'connect, query, release, end with promises'
//   executes a query directly ................................... 'query: (text, values) and (config) with promises'
//   properly pools clients ...................................... 'never opens more than max (poolSize) clients for 30 connects'
//   supports just running queries ............................... 'query: (text, values) and (config) with promises'
//   recovers from query errors .................................. 'failed queries remove their clients and the pool goes on'
// ending.js
//   ends without being used / ends with a promise ............... 'end: unused, with a callback and with a promise'
//   ends with clients ........................................... 'end: after a query, every client is removed'
//   allows client to finish ..................................... 'end: a query already called finishes'
//   pool.end() - finish pending queries ......................... 'end: twenty queries already called all finish'
// error-handling.js
//   Should complete these queries without dying ................. 'failed queries remove their clients and the pool goes on'
//   Catches errors in client.query .............................. 'query(null) rejects'
//   calling release more than once (promise / callback) ......... 'release: a second call throws pg's error at once, every time'
//   using an ended pool (promises / callbacks) .................. 'an ended pool rejects connect, query and end (promises and callbacks)'
//   error from idle client: removes client from pool ............ 'an idle client that errors is removed, with err.client set'
//   error from in-use client: keeps the client in the pool ...... 'an in-use client that errors stays; the pool emits nothing'
//   passing a function to pool.query ............................ 'query(function) calls back with pg's error'
//   pool with lots of errors .................................... 'failed queries remove their clients and the pool goes on'
//   should continue with queued items after a connection failure  'a connect queued behind a failed one gets its own error'
//   handles post-checkout client failures in pool.query ......... 'query: a client ended during the query fails it'
// events.js
//   emits connect before callback ............................... 'events: connect, acquire, then the callback'
//   emits "connect" only with a successful connection ........... 'events: no connect when the client class fails to connect'
//   emits acquire every time a client is acquired ............... 'events: acquire and release for every checkout'
//   emits release every time a client is released ............... 'events: acquire and release for every checkout'
//   emits release with an error if released due to an error ..... 'events: release carries the error it was given'
//   emits error and client if an idle client hits an error ...... 'an idle client that errors is removed, with err.client set'
// releasing-clients.js
//   removes a client which cannot be queried .................... 'release: a client whose connection broke is removed'
//   removes a client which is ending ............................ 'release: a client that was ended is removed'
// connection-strings.js
//   pool delegates connectionString property to client .......... 'passes connectionString to the client class'
// logging.js
//   logs to supplied log function if given ...................... 'log: is told what happens'
// verify.js
//   verifies a client with a callback ........................... 'verify: its error fails connect and removes the client'
// lifecycle-hooks.js
//   are called on connect (sync / async hook) ................... 'onConnect: runs once per new client, sync or async'
//   errors out the connect call if the async hook rejects ....... 'onConnect: an error fails connect and removes the client'
//   errors out the connect call if the connect hook throws ...... 'onConnect: an error fails connect and removes the client'
//   calls onConnect when using pool.query ....................... 'onConnect: runs for the client of pool.query'
//   recovers after a hook error ................................. 'onConnect: ten failures leave nothing behind, then it works'
//   calls onConnect for each new client ......................... 'onConnect: runs once per new client, sync or async'
//   cleans up clients after repeated hook failures .............. 'onConnect: ten failures leave nothing behind, then it works'
// submittable.js
//   is returned from the query method ........................... 'query(submittable): returned at once, run on a client of its own, released at its end'
//     (pending in pg-pool itself, never run there: its pool.query never releases that client)
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PgPool, type PgPoolConfig } from '../../../src/contrib/pg/index.ts';
import { unusedPort } from '../helpers/net-servers.ts';
import { backendsSettle } from '../helpers/postgres.ts';
import { backendPid, usePgPools, usePostgres } from './use-postgres.ts';

const db = usePostgres();
const pgPool = usePgPools(db);

/** `connect` in callback form, as a promise of its three arguments. */
function connectCallback(pool: PgPool) {
  return new Promise<{ err: Error | undefined; client: unknown; done: unknown }>((resolve) => {
    pool.connect((err, client, done) => resolve({ err, client, done }));
  });
}

const counts = (pool: PgPool) => ({
  total: pool.totalCount,
  idle: pool.idleCount,
  waiting: pool.waitingCount,
});

describe('PgPool (pg-pool 3.14 suite: API, ending, errors, events)', { timeout: 30_000 }, () => {
  it('is a pg.Pool', () => {
    const pool = pgPool();
    assert.ok(pool instanceof pg.Pool);
    assert.equal(pool.constructor.name, 'PgPool');
  });

  it('runs unconfigured, from the PG* environment variables', async () => {
    const { host, port, user, password, database } = db.server.config;
    const env = { PGHOST: host, PGPORT: String(port), PGUSER: user, PGPASSWORD: password };
    const saved = Object.keys(env).map((key) => [key, process.env[key]] as const);
    Object.assign(process.env, env, { PGDATABASE: database });
    try {
      const pool = new PgPool();
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
      await pool.end();
    } finally {
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      delete process.env.PGDATABASE;
    }
  });

  it('passes its config to each client', async () => {
    const pool = pgPool({ binary: true, application_name: 'gcp-props' } as PgPoolConfig);
    const client = await pool.connect();
    assert.equal((client as unknown as { binary: boolean }).binary, true);
    const { rows } = await client.query("SELECT current_setting('application_name') AS name");
    assert.deepEqual(rows, [{ name: 'gcp-props' }]);
    client.release();
  });

  it('passes connectionString to the client class', async () => {
    const connectionString = 'postgres://someone:secret@127.0.0.1:1/nowhere';
    const seen: unknown[] = [];
    const refusal = new Error('refused by the test client');
    class TestClient extends pg.Client {
      constructor(config: pg.ClientConfig) {
        super(config);
        seen.push(config.connectionString);
      }
      override connect(callback?: unknown): never {
        process.nextTick(() => (callback as (err: Error) => void)(refusal));
        return undefined as never;
      }
    }
    const pool = pgPool({ connectionString, Client: TestClient as never });
    const { err, client } = await connectCallback(pool);
    assert.equal(err, refusal);
    assert.equal(client, undefined);
    assert.deepEqual(seen, [connectionString]);
  });

  it('leaves the given config unchanged', async () => {
    const config = { ...db.server.config, max: 10 };
    const copy = { ...config };
    const pool = new PgPool(config);
    (await pool.connect()).release();
    await pool.end();
    assert.deepEqual(config, copy);
  });

  it('query: (text, callback) and (text, values, callback)', async () => {
    const pool = pgPool();
    const plain = await new Promise((resolve, reject) => {
      pool.query('SELECT 1 AS num', (err, res) => (err ? reject(err) : resolve(res.rows)));
    });
    assert.deepEqual(plain, [{ num: 1 }]);
    const withValues = await new Promise((resolve, reject) => {
      pool.query('SELECT $1::text AS name', ['brianc'], (err, res) =>
        err ? reject(err) : resolve(res.rows),
      );
    });
    assert.deepEqual(withValues, [{ name: 'brianc' }]);
  });

  it('query: (text, values) and (config) with promises', async () => {
    const pool = pgPool({ max: 9 });
    const direct = await pool.query('SELECT $1::text AS name', ['hi']);
    assert.deepEqual(direct.rows, [{ name: 'hi' }]);
    const config = { text: 'SELECT $1::text AS name', values: ['hi'] };
    const results = await Promise.all(Array.from({ length: 30 }, () => pool.query(config)));
    assert.equal(results.length, 30);
    assert.ok(results.every((res) => res.rows[0].name === 'hi'));
    assert.ok(pool.totalCount <= 9);
  });

  it('query: a refused connect reaches the callback and leaves no client', async () => {
    const pool = pgPool({ port: await unusedPort() });
    const { err, res } = await new Promise<{ err: Error; res: unknown }>((resolve) => {
      pool.query('SELECT 1', [], (err, res) => resolve({ err, res }));
    });
    assert.equal((err as Error & { code: string }).code, 'ECONNREFUSED');
    assert.equal(res, undefined);
    assert.equal(pool.totalCount, 0);
  });

  it('connect: a failed connect calls back with no client and a release function', async () => {
    const pool = pgPool({ port: await unusedPort() });
    const { err, client, done } = await connectCallback(pool);
    assert.equal((err as Error & { code: string }).code, 'ECONNREFUSED');
    assert.equal(client, undefined);
    assert.equal(typeof done, 'function');
  });

  it('callback forms return undefined', async () => {
    const pool = pgPool();
    let released: () => void = () => {};
    const connected = new Promise<void>((resolve) => {
      released = resolve;
    });
    assert.equal(
      pool.connect((err, client) => {
        assert.equal(err, undefined);
        client?.release();
        released();
      }),
      undefined,
    );
    await connected;
    const queried = new Promise<void>((resolve) => {
      assert.equal(
        pool.query('SELECT 1', () => resolve()),
        undefined,
      );
    });
    await queried;
    const ended = new Promise<void>((resolve) => {
      assert.equal(pool.end(resolve), undefined);
    });
    await ended;
    assert.equal(pool.ended, true);
  });

  it('connect never calls back synchronously', async () => {
    const pool = pgPool();
    (await pool.connect()).release();
    let called = false;
    const done = new Promise<void>((resolve) => {
      pool.connect((err, client) => {
        assert.equal(err, undefined);
        called = true;
        client?.release();
        resolve();
      });
    });
    assert.equal(called, false);
    await done;
  });

  it('connect, query, release, end with promises', async () => {
    const pool = pgPool();
    const client = await pool.connect();
    const { rows } = await client.query('SELECT $1::text AS name', ['hi']);
    assert.deepEqual(rows, [{ name: 'hi' }]);
    client.release();
    assert.deepEqual(counts(pool), { total: 1, idle: 1, waiting: 0 });
    await pool.end();
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
  });

  it('never opens more than max (poolSize) clients for 30 connects', async () => {
    const pool = pgPool({ poolSize: 9 } as PgPoolConfig);
    const pids = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const client = await pool.connect();
        try {
          return await backendPid(client);
        } finally {
          client.release();
        }
      }),
    );
    assert.equal(pids.length, 30);
    assert.equal(pool.totalCount, 9, 'nine clients: connected or still connecting');
    assert.ok(new Set(pids).size <= 9);
  });

  it('failed queries remove their clients and the pool goes on', async () => {
    for (const max of [1, 10]) {
      const pool = pgPool({ max });
      const errors = await Promise.all(
        Array.from({ length: 20 }, () => pool.query('SELECT asldkfjasldkf').catch((e) => e)),
      );
      assert.equal(errors.length, 20);
      for (const error of errors) {
        assert.equal(error.message, 'column "asldkfjasldkf" does not exist');
      }
      assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
      const { rows } = await pool.query('SELECT $1::text AS name', ['brianc']);
      assert.deepEqual(rows, [{ name: 'brianc' }]);
      assert.deepEqual(counts(pool), { total: 1, idle: 1, waiting: 0 });
    }
  });

  it('query(null) rejects', async () => {
    const pool = pgPool();
    await assert.rejects(pool.query(null as never), {
      name: 'TypeError',
      message: 'Client was passed a null or undefined query',
    });
    assert.equal(pool.totalCount, 0, 'released with the error: removed');
  });

  it("query(function) calls back with pg's error", async () => {
    const pool = pgPool();
    const err = await new Promise<Error>((resolve) => {
      assert.equal((pool.query as (cb: (e: Error) => void) => unknown)(resolve), undefined);
    });
    assert.equal(
      err.message,
      'Passing a function as the first parameter to pool.query is not supported',
    );
  });

  it('query(submittable): returned at once, run on a client of its own, released at its end', async () => {
    const pool = pgPool();
    const query = new pg.Query('SELECT generate_series(1, 3) AS n');
    assert.equal(pool.query(query), query);
    const rows: unknown[] = [];
    query.on('row', (row: { n: number }) => rows.push(row.n));
    await new Promise((resolve) => query.once('end', resolve));
    await new Promise((resolve) => setImmediate(resolve)); // the pool's 'end' listener runs next
    assert.deepEqual(rows, [1, 2, 3]);
    assert.deepEqual(counts(pool), { total: 1, idle: 1, waiting: 0 });
    const failing = pool.query(new pg.Query('SELECT nope'));
    const [error] = (await once(failing, 'error')) as [Error];
    assert.equal(error.message, 'column "nope" does not exist');
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 }, 'released with the error');
  });

  it('query(submittable) on an ended pool gets the error', async () => {
    const pool = pgPool();
    await pool.end();
    const query = pool.query(new pg.Query('SELECT 1'));
    const [error] = (await once(query, 'error')) as [Error];
    assert.equal(error.message, 'Cannot use a pool after calling end on the pool');
  });

  it('query: a client ended during the query fails it', async () => {
    const pool = pgPool({ max: 1 });
    const connected = once(pool, 'connect') as Promise<[pg.Client]>;
    const query = pool.query('SELECT pg_sleep(1)'); // the backend sleeps on after the end
    const [client] = await connected;
    await new Promise((resolve) => setImmediate(resolve)); // the query is on the wire
    client.end();
    await assert.rejects(query, { message: 'Connection terminated' });
    assert.equal(pool.totalCount, 0);
  });

  it("release: a second call throws pg's error at once, every time", async () => {
    const pool = pgPool();
    const message = 'Release called on client which has already been released to the pool.';
    const client = await pool.connect();
    client.release();
    assert.throws(() => client.release(), { message });
    assert.throws(() => client.release(), { message });
    const { err, done } = await connectCallback(pool);
    assert.equal(err, undefined);
    const release = done as () => void;
    release();
    assert.throws(release, { message });
    assert.throws(release, { message });
    assert.deepEqual(counts(pool), { total: 1, idle: 1, waiting: 0 });
  });

  it('release: a client whose connection broke is removed', async () => {
    const pool = pgPool({ max: 1 });
    const client = await pool.connect();
    const errored = once(client, 'error') as Promise<[Error]>;
    (client as unknown as { connection: { end(): void } }).connection.end();
    const [error] = await errored;
    assert.equal(error.message, 'Connection terminated unexpectedly');
    assert.deepEqual(counts(pool), { total: 1, idle: 0, waiting: 0 });
    client.release();
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
    const { rows } = await pool.query('SELECT 1 AS one');
    assert.deepEqual(rows, [{ one: 1 }]);
  });

  it('release: a client that was ended is removed', async () => {
    const pool = pgPool({ max: 1 });
    const client = await pool.connect();
    const ended = client.end();
    client.release();
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
    await ended;
    const { rows } = await pool.query('SELECT 1 AS one');
    assert.deepEqual(rows, [{ one: 1 }]);
  });

  it('end: unused, with a callback and with a promise', async () => {
    const first = pgPool();
    await new Promise<void>((resolve) => first.end(resolve));
    assert.equal(first.ended, true);
    const second = pgPool();
    assert.equal(await second.end(), undefined);
    assert.equal(second.ended, true);
  });

  it('end: after a query, every client is removed', async () => {
    const pool = pgPool();
    const removed: unknown[] = [];
    pool.on('remove', (client) => removed.push(client));
    const { rows } = await pool.query('SELECT $1::text AS name', ['brianc']);
    assert.deepEqual(rows, [{ name: 'brianc' }]);
    await pool.end();
    assert.equal(removed.length, 1);
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
  });

  it('end: a query already called finishes', async () => {
    const pool = pgPool();
    const query = pool.query('SELECT $1::text AS name', ['brianc']);
    await pool.end();
    assert.deepEqual((await query).rows, [{ name: 'brianc' }]);
  });

  it('end: twenty queries already called all finish', async () => {
    const pool = pgPool({ max: 20 });
    let completed = 0;
    for (let i = 0; i < 20; i++) pool.query('SELECT 1').then(() => completed++);
    await pool.end();
    assert.equal(completed, 20);
  });

  it('an ended pool rejects connect, query and end (promises and callbacks)', async () => {
    const pool = pgPool();
    await pool.end();
    const ended = { message: 'Cannot use a pool after calling end on the pool' };
    await assert.rejects(pool.connect(), ended);
    await assert.rejects(pool.query('SELECT NOW()'), ended);
    await assert.rejects(pool.end(), { message: 'Called end on pool more than once' });
    const fromQuery = await new Promise<Error>((resolve) => pool.query('SELECT 1', resolve));
    assert.equal(fromQuery.message, ended.message);
    assert.equal((await connectCallback(pool)).err?.message, ended.message);
    const fromEnd = await new Promise<Error | undefined>((resolve) =>
      (pool.end as (cb: (e?: Error) => void) => void)(resolve),
    );
    assert.equal(fromEnd?.message, 'Called end on pool more than once');
  });

  it('an idle client that errors is removed, with err.client set', async () => {
    const pool = pgPool();
    const client = await pool.connect();
    assert.deepEqual(counts(pool), { total: 1, idle: 0, waiting: 0 });
    client.release();
    const poolErrors: Array<[Error, unknown]> = [];
    pool.on('error', (err, errClient) => poolErrors.push([err, errClient]));
    const clientErrors: Error[] = [];
    client.on('error', (err) => clientErrors.push(err));
    // Not once(pool, 'remove'): it would reject at the pool's 'error'.
    const removed = new Promise((resolve) => pool.once('remove', (c) => resolve([c])));
    const error: Error & { client?: unknown } = new Error('expected');
    client.emit('error', error);
    assert.deepEqual(clientErrors, [error]);
    assert.deepEqual(poolErrors, [[error, client]]);
    assert.equal(error.client, client);
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
    assert.deepEqual(await removed, [client]);
    client.emit('error', new Error('after removal')); // no second pool error, no crash
    assert.equal(poolErrors.length, 1);
  });

  it('an in-use client that errors stays; the pool emits nothing', async () => {
    const pool = pgPool();
    const client = await pool.connect();
    const poolErrors: unknown[] = [];
    pool.on('error', (err) => poolErrors.push(err));
    const clientErrors: unknown[] = [];
    client.on('error', (err) => clientErrors.push(err));
    client.emit('error', new Error('expected'));
    assert.equal(clientErrors.length, 1);
    assert.deepEqual(poolErrors, []);
    assert.deepEqual(counts(pool), { total: 1, idle: 0, waiting: 0 });
    client.release();
    assert.deepEqual(counts(pool), { total: 1, idle: 1, waiting: 0 });
  });

  it('a connect queued behind a failed one gets its own error', async () => {
    const pool = pgPool({ max: 1, port: await unusedPort() });
    const [first, second] = await Promise.all([connectCallback(pool), connectCallback(pool)]);
    assert.equal((first.err as Error & { code: string }).code, 'ECONNREFUSED');
    assert.equal((second.err as Error & { code: string }).code, 'ECONNREFUSED');
    assert.notEqual(first.err, second.err);
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
  });

  it('events: connect, acquire, then the callback', async () => {
    const pool = pgPool();
    const order: Array<[string, unknown]> = [];
    pool.on('connect', (client) => order.push(['connect', client]));
    pool.on('acquire', (client) => order.push(['acquire', client]));
    const { client } = await connectCallback(pool);
    order.push(['callback', client]);
    assert.deepEqual(order, [
      ['connect', client],
      ['acquire', client],
      ['callback', client],
    ]);
    (client as pg.PoolClient).release();
  });

  it('events: no connect when the client class fails to connect', async () => {
    class Failing extends pg.Client {
      override connect(callback?: unknown): never {
        process.nextTick(() => (callback as (err: Error) => void)(new Error('bad news')));
        return undefined as never;
      }
    }
    const pool = pgPool({ Client: Failing as never });
    const connects: unknown[] = [];
    pool.on('connect', (client) => connects.push(client));
    await assert.rejects(pool.connect(), { message: 'bad news' });
    assert.deepEqual(connects, []);
  });

  it('events: acquire and release for every checkout', async () => {
    const pool = pgPool();
    const acquired: unknown[] = [];
    const released: Array<[unknown, unknown]> = [];
    pool.on('acquire', (client) => acquired.push(client));
    pool.on('release', (err, client) => released.push([err, client]));
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      work.push(connectCallback(pool).then(({ client }) => (client as pg.PoolClient).release()));
      work.push(pool.query('SELECT now()'));
    }
    await Promise.all(work);
    assert.equal(acquired.length, 20);
    assert.equal(released.length, 20);
    assert.ok(released.every(([err, client]) => err === undefined && client instanceof pg.Client));
  });

  it('events: release carries the error it was given', async () => {
    const pool = pgPool();
    const client = await pool.connect();
    const problem = new Error('problem');
    const released: Array<[unknown, unknown]> = [];
    pool.on('release', (err, errClient) => released.push([err, errClient]));
    client.release(problem);
    assert.deepEqual(released, [[problem, client]]);
    assert.equal(pool.totalCount, 0, 'a release with an error removes the client');
  });

  it('log: is told what happens', async () => {
    const messages: unknown[] = [];
    const pool = pgPool({ log: (message: unknown) => messages.push(message) });
    await pool.query('SELECT NOW()');
    assert.deepEqual(messages, ['new client connected', 'dispatching query', 'query dispatched']);
  });

  it('verify: its error fails connect and removes the client', async () => {
    const verified: unknown[] = [];
    const pool = pgPool({
      verify: (client, done) => {
        verified.push(client);
        done(new Error('nope'));
      },
    });
    const events: string[] = [];
    for (const event of ['connect', 'acquire', 'release'] as const) {
      pool.on(event, () => events.push(event));
    }
    await assert.rejects(pool.connect(), { message: 'nope' });
    assert.equal(verified.length, 1);
    assert.deepEqual(events, ['connect', 'acquire', 'release']);
    assert.equal(pool.totalCount, 0);
  });

  it('verify: runs for new clients only', async () => {
    let verified = 0;
    const pool = pgPool({
      verify: (_client, done) => {
        verified++;
        done();
      },
    });
    const client = await pool.connect();
    client.release();
    const again = await pool.connect();
    assert.equal(again, client);
    again.release();
    assert.equal(verified, 1);
  });

  it('onConnect: runs once per new client, sync or async', async () => {
    for (const async of [false, true]) {
      const hooked = new Map<pg.Client, number>();
      const pool = pgPool({
        max: 2,
        onConnect: async
          ? async (client) => {
              await client.query('SELECT 1');
              hooked.set(client as pg.Client, (hooked.get(client as pg.Client) ?? 0) + 1);
            }
          : (client) => {
              hooked.set(client as pg.Client, (hooked.get(client as pg.Client) ?? 0) + 1);
            },
      });
      const first = await pool.connect();
      const second = await pool.connect();
      assert.notEqual(first, second);
      first.release();
      const again = await pool.connect();
      assert.equal(again, first);
      again.release();
      second.release();
      assert.deepEqual([...hooked.values()], [1, 1]);
    }
  });

  it('onConnect: runs for the client of pool.query', async () => {
    const hooked: unknown[] = [];
    const pool = pgPool({ onConnect: (client) => void hooked.push(client) });
    const { rows } = await pool.query('SELECT $1::text AS name', ['brianc']);
    assert.deepEqual(rows, [{ name: 'brianc' }]);
    const client = await pool.connect();
    assert.deepEqual(hooked, [client]);
    client.release();
  });

  it('onConnect: an error fails connect and removes the client', async () => {
    const thrown = pgPool({
      onConnect: () => {
        throw new Error('connect hook error');
      },
    });
    await assert.rejects(thrown.connect(), { message: 'connect hook error' });
    const rejected = pgPool({ onConnect: (client) => client.query('SELECT INVALID HERE') });
    await assert.rejects(rejected.connect(), { message: 'column "invalid" does not exist' });
    assert.equal(thrown.totalCount + rejected.totalCount, 0);
  });

  it('onConnect: ten failures leave nothing behind, then it works', async () => {
    let failures = 0;
    const pool = pgPool({
      max: 2,
      onConnect: () => {
        if (failures < 10) {
          failures++;
          throw new Error('connect hook error');
        }
      },
    });
    for (let i = 0; i < 10; i++) {
      await assert.rejects(pool.connect(), { message: 'connect hook error' });
    }
    assert.equal(failures, 10);
    assert.deepEqual(counts(pool), { total: 0, idle: 0, waiting: 0 });
    assert.equal(await backendsSettle(db.server, 0), 0);
    const first = await pool.connect();
    const second = await pool.connect();
    assert.deepEqual((await first.query('SELECT 1 AS num')).rows, [{ num: 1 }]);
    assert.deepEqual((await second.query('SELECT 2 AS num')).rows, [{ num: 2 }]);
    assert.equal(pool.totalCount, 2);
    first.release();
    second.release();
  });
});
