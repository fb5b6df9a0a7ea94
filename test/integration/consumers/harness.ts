/**
 * What every consumer test (Kysely, Drizzle, knex) does through a `pg.Pool` it is handed: a
 * query, a committed transaction and a rolled-back one, each statement of a transaction on one
 * backend while other queries keep the pool busy. It runs through a `PgPool` of its own and
 * through two views of one shared keyed pool whose `master` and `replica` endpoints are two
 * PostgreSQL servers of their own, under one `totalMaxSize`.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type pg from 'pg';
import { PgConnectionManager, PgPool, pgPoolView } from '../../../src/contrib/pg/index.ts';
import { ConnectionPool } from '../../../src/index.ts';
import { type PostgresServer, startPostgres } from '../helpers/postgres.ts';

/** One row as a consumer returns it. */
export type Row = Record<string, unknown>;

/** A consumer (an ORM or query builder) made over a `pg.Pool`, reduced to what the test needs. */
export interface Consumer {
  /** Runs `text` outside any transaction; resolves with its rows. */
  query(text: string): Promise<Row[]>;
  /**
   * Runs `body` in one of the consumer's transactions, `query` running inside it; with
   * `rollback`, ends it the consumer's way of rolling back (and resolves).
   */
  transaction(
    body: (query: (text: string) => Promise<Row[]>) => Promise<void>,
    rollback: boolean,
  ): Promise<void>;
  /** Ends the consumer as an application would at shutdown. */
  close(): Promise<void>;
}

/** Makes a consumer over `pool`. */
export type ConsumerOf = (pool: pg.Pool) => Consumer;

/** The shared pool's limits: two endpoints of up to 3 clients, 4 in all. */
const SHARED = { maxSize: 3, totalMaxSize: 4, minIdle: 0 } as const;

/** What a transaction callback throws to roll back, where the consumer has no call for it. */
class Rollback extends Error {}

/**
 * `Consumer.transaction` for a consumer whose `open(callback)` runs `callback` in a transaction
 * and rolls back when it throws: `queryOf(tx)` queries inside it, and `rollback(tx)` throws
 * whatever makes the consumer roll back (by default an error of ours), which `isRollback` knows.
 */
export function transactionOf<T>(
  open: (callback: (tx: T) => Promise<void>) => Promise<unknown>,
  queryOf: (tx: T) => (text: string) => Promise<Row[]>,
  rollback: (tx: T) => never = () => {
    throw new Rollback();
  },
  isRollback: (error: unknown) => boolean = (error) => error instanceof Rollback,
): Consumer['transaction'] {
  return async (body, rollingBack) => {
    await open(async (tx) => {
      await body(queryOf(tx));
      if (rollingBack) rollback(tx);
    }).catch((error: unknown) => {
      if (!(rollingBack && isRollback(error))) throw error;
    });
  };
}

/**
 * The consumer tests of the calling file: `consumerOf` through a PgPool and through views, on two
 * servers of its own.
 */
export function describeConsumer(name: string, consumerOf: ConsumerOf): void {
  const servers = useServers();
  describe(`${name} over PgPool`, { timeout: 30_000 }, () => {
    it('queries, commits and rolls back through a PgPool', () =>
      throughPgPool(consumerOf, servers));
    it('does the same through views of master and replica of one pool', () =>
      throughViews(consumerOf, servers));
  });
}

/** Two servers, `master` and `replica`, each with an empty table `items`, for the calling file. */
function useServers(): {
  readonly master: PostgresServer;
  readonly replica: PostgresServer;
} {
  const servers: PostgresServer[] = [];
  before(async () => {
    servers.push(...(await Promise.all([startPostgres(), startPostgres()])));
    await Promise.all(servers.map((s) => s.query('CREATE TABLE items (id int PRIMARY KEY)')));
  });
  beforeEach(() => Promise.all(servers.map((s) => s.query('TRUNCATE items'))));
  after(() => Promise.all(servers.map((s) => s.destroy())));
  return {
    get master() {
      return servers[0]!;
    },
    get replica() {
      return servers[1]!;
    },
  };
}

/**
 * Exercises `consumer` over `pool` on `server`: its queries reach `server`; a transaction's
 * statements all run on one backend although other queries run beside them; a committed insert
 * stays, a rolled-back one does not.
 */
async function exercise(consumer: Consumer, pool: pg.Pool, server: PostgresServer): Promise<void> {
  const [where] = await consumer.query('SELECT inet_server_port() AS port');
  assert.equal(where?.port, server.config.port);
  const beside: Promise<unknown>[] = [];
  const inTransaction = async (query: (text: string) => Promise<Row[]>, id: number) => {
    const pids = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      // Other users of the pool between the statements: a transaction split over several clients
      // would show more than one backend.
      beside.push(pool.query('SELECT pg_sleep(0.005)'), pool.query('SELECT 1'));
      pids.add((await query('SELECT pg_backend_pid() AS pid'))[0]?.pid);
      await query(`INSERT INTO items VALUES (${id * 10 + i})`);
    }
    assert.equal(pids.size, 1, 'one backend for the whole transaction');
  };
  await consumer.transaction((query) => inTransaction(query, 1), false);
  await consumer.transaction((query) => inTransaction(query, 2), true);
  await Promise.all(beside);
  const rows = await server.query<{ id: number }>('SELECT id FROM items ORDER BY id');
  assert.deepEqual(
    rows.map((row) => row.id),
    [10, 11, 12],
    'the committed rows, none of the rolled-back ones',
  );
}

/** Runs `exercise` through a PgPool on the master, then ends the consumer and the pool. */
async function throughPgPool(
  consumerOf: ConsumerOf,
  servers: { master: PostgresServer },
): Promise<void> {
  const pool = new PgPool({ ...servers.master.config, max: 4 });
  const consumer = consumerOf(pool);
  await exercise(consumer, pool, servers.master);
  await consumer.close();
  if (!pool.ending) await pool.end();
  assert.equal(pool.totalCount, 0);
}

/**
 * Runs `exercise` through a view of `master` and one of `replica` at the same time, each with a
 * consumer of its own; the shared pool never holds more than `totalMaxSize` clients, and goes on
 * serving after the consumers (and so perhaps the views) have ended.
 */
async function throughViews(
  consumerOf: ConsumerOf,
  servers: { master: PostgresServer; replica: PostgresServer },
): Promise<void> {
  const shared = new ConnectionPool(
    new PgConnectionManager({ master: servers.master.config, replica: servers.replica.config }),
    SHARED,
  );
  let most = 0;
  shared.on('create', () => {
    most = Math.max(most, shared.size);
  });
  try {
    await Promise.all(
      (['master', 'replica'] as const).map(async (endpoint) => {
        const view = pgPoolView(shared, endpoint);
        const consumer = consumerOf(view);
        await exercise(consumer, view, servers[endpoint]);
        await consumer.close();
      }),
    );
    assert.ok(most <= SHARED.totalMaxSize, `at most totalMaxSize clients, saw ${most}`);
    const after = await shared.connection('replica', (client) => client.query('SELECT 1 AS one'));
    assert.deepEqual(after.rows, [{ one: 1 }], 'the shared pool outlives the views');
  } finally {
    await shared.close();
  }
}
