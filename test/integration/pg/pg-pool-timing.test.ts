// PgPool against a real PostgreSQL, held to pg.Pool's contract where time matters: one counterpart
// for each test of public behaviour in connection-timeout.js, idle-timeout.js, lifetime-timeout.js,
// max-uses.js and sizing.js of node-postgres' suite (packages/pg-pool/test at pg-pool@3.14.0).
// Waits are on events ('remove', a connect's outcome) where there is one; a fixed wait only where
// the point is that nothing happens in it. pg-pool test → ours:
//
// connection-timeout.js
//   should callback with an error if timeout is passed .......... 'connectionTimeoutMillis bounds a connect that never answers (callback, promise)'
//   should reject promise with an error if timeout is passed .... (the same test)
//   should handle multiple timeouts ............................. 'fifteen connects in a row each time out'
//   should timeout on checkout of used connection ............... 'a queued connect times out with pg's message'
//   should not break further pending checkouts on a timeout ..... 'a timed-out connect does not break the next one'
//   should timeout on query if all clients are busy ............. 'query: times out when every client is busy, and recovers'
//   should recover from timeout errors .......................... (the same test)
//   continues processing after a connection failure ............. 'a failed connect is passed through; the next one works'
//   releases newly connected clients if the queued already timed out 'a connect that timed out in the queue is called back once'
//   should connect if timeout is passed, but native client in connected state: not ours to mirror; it
//     patches pg-native's Client (not installed with pg) to report itself connected while pg-pool's
//     timer runs, which only pg-pool's native branch (client.connection undefined) looks at.
// idle-timeout.js
//   should timeout and remove the client ........................ 'idleTimeoutMillis removes an idle client'
//   times out and removes clients when others are also removed .. 'an idle client times out while another was removed with an error'
//   can remove idle clients and recreate them ................... 'twenty times: a client made, idled out, made again'
//   does not time out clients which are used .................... 'a client in use never idles out'
//   unrefs the connections and timeouts ... allowExitOnIdle ..... 'allowExitOnIdle: the process exits while clients are idle'
//   keeps old behavior when allowExitOnIdle option is not set ... 'without allowExitOnIdle: the process exits once the idle client is removed'
// lifetime-timeout.js
//   connection lifetime should expire and remove the client ..... 'maxLifetimeSeconds removes an idle client'
//   ... after the client is done working ........................ 'maxLifetimeSeconds removes a busy client at its release'
//   can remove expired clients and recreate them ................ 'maxLifetimeSeconds removes a busy client at its release'
// max-uses.js
//   can create a single client and use it once ................. 'maxUses: the second release closes the client; the third connect gets a new one'
//   getting a connection a second time returns the same one ..... (the same test)
//   getting a connection a third time returns a new connection .. (the same test)
//   getting a connection from a pending request gets a fresh client 'maxUses: a waiter gets a fresh client when the released one is expended'
//   logs when removing an expended client ....................... 'maxUses: logs "remove expended client"'
// sizing.js
//   pool size of 1: can create a single client and use it once .. 'max 1: one client, used by each connect in turn'
//   can create a single client and use it multiple times ........ (the same test)
//   can only send 1 query at a time ............................. 'max 1: twenty queries run one at a time'
//   does not remove clients when at or below min ................ 'min: idle clients at or below min stay (max 1 and max 2)'
//   does remove clients when at or below min if maxUses reached . 'min: maxUses and maxLifetimeSeconds still remove clients'
//   ... if maxLifetimeSeconds is reached ........................ (the same test)
//   pool size of 2: does not remove clients when at or below min  'min: idle clients at or below min stay (max 1 and max 2)'
//   does remove clients when above min .......................... 'min: clients above min idle out, down to min'
//   pool min size: does not drop below min when released together (the same test)
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { PgPool } from '../../../src/contrib/pg/index.ts';
import { runExample } from '../helpers/run-example.ts';
import { usePgPools, usePostgres } from './use-postgres.ts';

const db = usePostgres();
const pgPool = usePgPools(db);

/** The next 'remove' of `pool`, with the pool's counts at that moment. */
function nextRemove(pool: PgPool) {
  return new Promise<{ client: unknown; total: number; idle: number; expired: number }>(
    (resolve) => {
      pool.once('remove', (client) =>
        resolve({
          client,
          total: pool.totalCount,
          idle: pool.idleCount,
          expired: pool.expiredCount,
        }),
      );
    },
  );
}

/** A pg.Client class whose first connects fail or wait as `plan` says, in order. */
function clientWith(plan: Array<{ failAfter: number; error: Error } | { delay: number }>) {
  return class Planned extends pg.Client {
    override connect(callback?: unknown): never {
      const step = plan.shift();
      if (step === undefined) super.connect(callback as never);
      else if ('error' in step) {
        setTimeout(() => (callback as (err: Error) => void)(step.error), step.failAfter);
      } else setTimeout(() => super.connect(callback as never), step.delay);
      return undefined as never;
    }
  } as never;
}

const QUEUE_TIMEOUT = 'timeout exceeded when trying to connect';

/**
 * A pool of one client with connectionTimeoutMillis `ms`, its client connected already: a login
 * slower than `ms` on a loaded machine must not fail the connect that is meant to succeed.
 */
async function busyPool(ms: number): Promise<PgPool> {
  const pool = pgPool({ connectionTimeoutMillis: ms, max: 1, pool: { createTimeout: 10_000 } });
  await pool.pool.prewarm(pool.endpoint, 1);
  return pool;
}

describe('PgPool (pg-pool 3.14 suite: timeouts, idle, lifetime, sizes)', {
  timeout: 30_000,
}, () => {
  describe('connectionTimeoutMillis', () => {
    let silent: net.Server;
    let silentPort = 0;
    before(async () => {
      // Accepts connections and never answers: a login that never completes.
      silent = net.createServer((socket) => socket.resume());
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as net.AddressInfo).port;
    });
    after(() => {
      silent.close();
    });

    it('connectionTimeoutMillis bounds a connect that never answers (callback, promise)', async () => {
      const pool = pgPool({ connectionTimeoutMillis: 10, port: silentPort });
      const { err, client } = await new Promise<{ err?: Error; client?: unknown }>((resolve) => {
        pool.connect((err, client) => resolve({ err, client }));
      });
      assert.match(String(err?.message), /timeout/);
      assert.equal(client, undefined);
      await assert.rejects(pool.connect(), { message: /timeout/ });
      assert.equal(pool.idleCount, 0);
    });

    it('fifteen connects in a row each time out', async () => {
      const pool = pgPool({ connectionTimeoutMillis: 1, port: silentPort });
      const errors: unknown[] = [];
      for (let i = 0; i < 15; i++) await pool.connect().catch((error) => errors.push(error));
      assert.equal(errors.length, 15);
    });

    it("a queued connect times out with pg's message", async () => {
      const pool = await busyPool(100);
      const client = await pool.connect();
      await assert.rejects(pool.connect(), (error: Error) => {
        assert.equal(error.message, QUEUE_TIMEOUT);
        assert.equal((error.cause as { code?: string }).code, 'ERR_POOL_TIMEOUT');
        return true;
      });
      client.release();
    });

    it('a timed-out connect does not break the next one', async () => {
      const pool = await busyPool(200);
      const held = await pool.connect();
      const timedOut = pool.connect().then(
        () => assert.fail('served'),
        (error: Error) => {
          assert.equal(error.message, QUEUE_TIMEOUT);
          held.release();
        },
      );
      await sleep(100);
      const next = await pool.connect(); // queued at 100 ms: served when the first gives up
      await timedOut;
      assert.equal(next, held);
      next.release();
    });

    it('query: times out when every client is busy, and recovers', async () => {
      const pool = await busyPool(100);
      const held = await pool.connect();
      const err = await new Promise<Error>((resolve) => pool.query('SELECT now()', resolve));
      assert.equal(err.message, QUEUE_TIMEOUT);
      held.release();
      const { rows } = await pool.query('SELECT $1::text AS name', ['brianc']);
      assert.deepEqual(rows, [{ name: 'brianc' }]);
    });

    it('a failed connect is passed through; the next one works', async () => {
      const failure = new Error('Temporary connection failure');
      const pool = pgPool({
        Client: clientWith([{ failAfter: 100, error: failure }]),
        connectionTimeoutMillis: 1000,
        max: 1,
      });
      await assert.rejects(pool.connect(), (error) => error === failure);
      const { rows } = await pool.query('SELECT $1::text AS name', ['brianc']);
      assert.deepEqual(rows, [{ name: 'brianc' }]);
    });

    it('a connect that timed out in the queue is called back once', async () => {
      const failure = new Error('Temporary connection failure');
      const pool = pgPool({
        Client: clientWith([{ failAfter: 300, error: failure }, { delay: 1000 }]),
        connectionTimeoutMillis: 1000,
        max: 1,
      });
      const direct = pool.connect();
      const calls: Array<Error | undefined> = [];
      const queued = new Promise<void>((resolve) => {
        pool.connect((err) => {
          calls.push(err);
          resolve();
        });
      });
      await assert.rejects(direct, (error) => error === failure);
      await queued;
      assert.deepEqual(
        calls.map((e) => e?.message),
        [QUEUE_TIMEOUT],
      );
      const { rows } = await pool.query('SELECT $1::text AS name', ['brianc']);
      assert.deepEqual(rows, [{ name: 'brianc' }]);
      assert.equal(calls.length, 1);
    });
  });

  describe('idleTimeoutMillis and allowExitOnIdle', () => {
    it('idleTimeoutMillis removes an idle client', async () => {
      const pool = pgPool({ idleTimeoutMillis: 10 });
      const removed = nextRemove(pool);
      await pool.query('SELECT NOW()');
      assert.deepEqual(await removed, {
        client: (await removed).client,
        total: 0,
        idle: 0,
        expired: 0,
      });
    });

    it('an idle client times out while another was removed with an error', async () => {
      const pool = pgPool({ idleTimeoutMillis: 10 });
      const a = await pool.connect();
      const b = await pool.connect();
      const removals: Array<{ client: unknown; total: number; idle: number }> = [];
      const idledOut = new Promise<void>((resolve) => {
        pool.on('remove', (client) => {
          removals.push({ client, total: pool.totalCount, idle: pool.idleCount });
          if (client === a) resolve();
        });
      });
      a.release();
      b.release(new Error('removes b at once'));
      assert.equal(pool.totalCount, 1);
      await idledOut;
      assert.deepEqual(removals.at(-1), { client: a, total: 0, idle: 0 });
    });

    it('twenty times: a client made, idled out, made again', async () => {
      const pool = pgPool({ idleTimeoutMillis: 1 });
      for (let i = 0; i < 20; i++) {
        const removed = nextRemove(pool);
        const query = pool.query('SELECT NOW()');
        assert.equal(pool.idleCount, 0);
        assert.equal(pool.totalCount, 1);
        assert.equal((await query).rows.length, 1);
        const { total, idle } = await removed;
        assert.deepEqual({ total, idle }, { total: 0, idle: 0 });
      }
    });

    it('a client in use never idles out', async () => {
      const pool = pgPool({ idleTimeoutMillis: 1 });
      for (let i = 0; i < 20; i++) {
        const client = await pool.connect();
        assert.equal(pool.totalCount, 1);
        assert.equal(pool.idleCount, 0);
        await sleep(10); // ten idle timeouts long, in use
        assert.equal((await client.query('SELECT NOW()')).rows.length, 1);
        client.release();
        assert.equal(pool.idleCount, 1);
        assert.equal(pool.totalCount, 1);
      }
    });

    for (const allow of [true, false]) {
      const name = allow
        ? 'allowExitOnIdle: the process exits while clients are idle'
        : 'without allowExitOnIdle: the process exits once the idle client is removed';
      it(name, async () => {
        process.env.GCP_PG_CONFIG = JSON.stringify(db.server.config);
        if (allow) process.env.GCP_ALLOW_EXIT_ON_IDLE = '1';
        try {
          const { code, stdout, stderr } = await runExample(
            'test/integration/pg/fixtures/idle-exit.ts',
          );
          assert.equal(stderr, '');
          assert.equal(code, 0);
          const removed = allow ? '' : 'removed\n';
          assert.equal(stdout, `completed first\ncompleted second\n${removed}`);
        } finally {
          delete process.env.GCP_PG_CONFIG;
          delete process.env.GCP_ALLOW_EXIT_ON_IDLE;
        }
      });
    }
  });

  describe('maxLifetimeSeconds', () => {
    it('maxLifetimeSeconds removes an idle client', async () => {
      const pool = pgPool({ maxLifetimeSeconds: 1 });
      const removed = nextRemove(pool);
      await pool.query('SELECT NOW()');
      const { total, expired } = await removed;
      assert.deepEqual({ total, expired }, { total: 0, expired: 0 });
    });

    it('maxLifetimeSeconds removes a busy client at its release', async () => {
      const pool = pgPool({ maxLifetimeSeconds: 1 });
      const removed = nextRemove(pool);
      const client = await pool.connect();
      assert.deepEqual([pool.expiredCount, pool.totalCount], [0, 1]);
      await client.query('SELECT pg_sleep(1.2)');
      assert.deepEqual([pool.expiredCount, pool.totalCount], [1, 1], 'expired while in use');
      client.release();
      assert.deepEqual([pool.expiredCount, pool.totalCount], [0, 0]);
      const { total, expired } = await removed;
      assert.deepEqual({ total, expired }, { total: 0, expired: 0 });
      await pool.query('SELECT NOW()');
      assert.deepEqual([pool.expiredCount, pool.totalCount], [0, 1]);
    });
  });

  describe('maxUses', () => {
    it('maxUses: the second release closes the client; the third connect gets a new one', async () => {
      const pool = pgPool({ maxUses: 2 });
      assert.equal(pool.waitingCount, 0);
      const client = await pool.connect();
      assert.deepEqual((await client.query('SELECT $1::text AS name', ['hi'])).rows, [
        { name: 'hi' },
      ]);
      client.release();
      const second = await pool.connect();
      assert.equal(second, client);
      const internals = second as unknown as { _ending: boolean };
      assert.equal(internals._ending, false);
      second.release();
      assert.equal(internals._ending, true, 'closed by its release');
      const third = await pool.connect();
      assert.notEqual(third, client);
      third.release();
    });

    it('maxUses: a waiter gets a fresh client when the released one is expended', async () => {
      const pool = pgPool({ max: 1, maxUses: 2 });
      const first = await pool.connect();
      const seen: Array<[string, number]> = [];
      const second = pool.connect().then((client) => {
        assert.equal(client, first);
        seen.push(['second', pool.waitingCount]);
        client.release(); // its second use: expended
      });
      const third = pool.connect().then((client) => {
        assert.notEqual(client, first);
        seen.push(['third', pool.waitingCount]);
        client.release();
      });
      assert.equal(pool.waitingCount, 2);
      first.release();
      await Promise.all([second, third]);
      assert.deepEqual(seen, [
        ['second', 1],
        ['third', 0],
      ]);
    });

    it('maxUses: logs "remove expended client"', async () => {
      const messages: unknown[] = [];
      const pool = pgPool({ maxUses: 1, log: (message: unknown) => messages.push(message) });
      (await pool.connect()).release();
      assert.ok(messages.includes('remove expended client'), String(messages));
    });
  });

  describe('max and min', () => {
    it('max 1: one client, used by each connect in turn', async () => {
      const pool = pgPool({ max: 1 });
      assert.equal(pool.waitingCount, 0);
      const client = await pool.connect();
      const waiting = pool.connect();
      assert.equal(pool.waitingCount, 1);
      client.release();
      const next = await waiting;
      assert.equal(next, client);
      assert.equal(pool.waitingCount, 0);
      next.release();
    });

    it('max 1: twenty queries run one at a time', async () => {
      const pool = pgPool({ max: 1 });
      const text = 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1';
      const results = await Promise.all(Array.from({ length: 20 }, () => pool.query(text, [text])));
      assert.deepEqual(
        results.map((res) => res.rows[0].n),
        Array.from({ length: 20 }, () => 1),
      );
    });

    it('min: idle clients at or below min stay (max 1 and max 2)', async () => {
      const one = pgPool({ max: 1, min: 1, idleTimeoutMillis: 10 });
      (await one.connect()).release();
      const two = pgPool({ max: 2, min: 2, idleTimeoutMillis: 10 });
      const [a, b] = [await two.connect(), await two.connect()];
      a.release();
      await sleep(20);
      b.release();
      await sleep(20); // two idle timeouts: nothing happens
      assert.equal(one.idleCount, 1);
      assert.equal(two.idleCount, 2);
    });

    it('min: maxUses and maxLifetimeSeconds still remove clients', async () => {
      const used = pgPool({ max: 1, min: 1, idleTimeoutMillis: 10, maxUses: 1 });
      const aged = pgPool({ max: 1, min: 1, idleTimeoutMillis: 10, maxLifetimeSeconds: 1 });
      const agedOut = nextRemove(aged);
      (await used.connect()).release();
      (await aged.connect()).release();
      assert.equal(used.idleCount, 0);
      assert.equal(aged.idleCount, 1);
      assert.deepEqual((await agedOut).idle, 0);
    });

    it('min: clients above min idle out, down to min', async () => {
      for (const together of [false, true]) {
        const pool = pgPool({ max: 2, min: 1, idleTimeoutMillis: 10 });
        const removed = nextRemove(pool);
        const [a, b] = [await pool.connect(), await pool.connect()];
        a.release();
        if (!together) await removed;
        b.release();
        await removed;
        await sleep(20); // two idle timeouts: the last one stays
        assert.equal(pool.idleCount, 1);
        assert.equal(pool.totalCount, 1);
      }
    });
  });
});
