/**
 * `generic-connection-pool/contrib/pg`: a connection manager for PostgreSQL through `pg`, and a
 * drop-in `pg.Pool` over it (`PgPool`, `pgPoolView`); `pg` is an optional peer dependency (`npm install pg`). Importing this entry loads `pg` and does nothing
 * else; the core entry never loads it.
 *
 * @example
 * import { ConnectionPool } from 'generic-connection-pool';
 * import { PgConnectionManager } from 'generic-connection-pool/contrib/pg';
 * const pool = new ConnectionPool(new PgConnectionManager({ master: { host: 'db-master.local' } }));
 */

export {
  type PgClientClass,
  PgConnectionManager,
  type PgConnectionManagerOptions,
} from './pg-connection-manager.ts';
export { PgFleetBudget, type PgFleetBudgetOptions } from './pg-fleet-budget.ts';
export { type ConnectCallback, PgPool } from './pg-pool.ts';
export { type PgPoolConfig, pgPoolOptions } from './pg-pool-options.ts';
export { pgPoolView } from './pg-pool-view.ts';
