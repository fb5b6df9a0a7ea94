import type pg from 'pg';
import { ConnectionPool } from '../../index.ts';
import { adoptPool, type PgPool } from './pg-pool.ts';

/**
 * One endpoint of a shared keyed pool as a `pg.Pool`, for code that takes one: every client it
 * checks out comes from `endpoint` of `pool`, under the shared pool's limits (`maxSize`,
 * `totalMaxSize`) and options. Its `end()` ends the view only: it lets its connects under way
 * finish, waits for the clients it handed out to be released, and from then on its `connect`
 * rejects as an ended `pg.Pool`'s does; the shared pool goes on serving until it is closed itself.
 * A view has no options of its own; its `options` show the shared pool's `max`, `min` and
 * `idleTimeoutMillis`.
 *
 * @typeParam K the pool's endpoint names (a `PgConnectionManager`'s config keys).
 * @throws TypeError when `pool` is not a `ConnectionPool` or `endpoint` not a string.
 * @example
 * ```ts
 * const pool = new ConnectionPool(new PgConnectionManager({ master, 'replica-1': replica }), { totalMaxSize: 15 });
 * const writes = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pgPoolView(pool, 'master') }) });
 * const reads = drizzle(pgPoolView(pool, 'replica-1'));
 * ```
 */
export function pgPoolView<K extends string>(
  pool: ConnectionPool<K, pg.Client>,
  endpoint: NoInfer<K>,
): PgPool {
  if (!(pool instanceof ConnectionPool)) {
    throw new TypeError('pgPoolView: pool must be a ConnectionPool');
  }
  if (typeof endpoint !== 'string') {
    throw new TypeError(`pgPoolView: endpoint must be a string, got ${typeof endpoint}`);
  }
  // The view only ever passes `endpoint` to the pool.
  return adoptPool(pool as unknown as ConnectionPool<string, pg.Client>, endpoint);
}
