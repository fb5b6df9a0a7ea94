/**
 * `generic-connection-pool/contrib/pg`: a connection manager for PostgreSQL through `pg`, an
 * optional peer dependency (`npm install pg`). Importing this entry loads `pg` and does nothing
 * else; the core entry never loads it.
 *
 * @example
 * import { ConnectionPool } from 'generic-connection-pool';
 * import { PgConnectionManager } from 'generic-connection-pool/contrib/pg';
 * const pool = new ConnectionPool(new PgConnectionManager({ master: { host: 'db-master.local' } }));
 */

export { PgConnectionManager } from './pg-connection-manager.ts';
