import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import type pg from 'pg';
import { PgPool, type PgPoolConfig } from '../../../src/contrib/pg/index.ts';
import { backendsSettle, type PostgresServer, startPostgres } from '../helpers/postgres.ts';

/**
 * One PostgreSQL server for the calling test file: started in `before`, destroyed in `after`.
 * Read `.server` inside tests and `describe`-level hooks only: another top-level `before` may run
 * before this one has finished.
 */
export function usePostgres(): { readonly server: PostgresServer } {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.destroy());
  return {
    get server(): PostgresServer {
      if (server === undefined) throw new Error('usePostgres: the server starts in before()');
      return server;
    },
  };
}

/** The process id of `client`'s backend on the server (`pg_backend_pid()`). */
export async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

/**
 * A maker of `PgPool`s on `db`'s server for the calling test file: after each test, the pools the
 * test did not end are ended, and the server must have no backend left.
 */
export function usePgPools(db: {
  readonly server: PostgresServer;
}): (config?: PgPoolConfig) => PgPool {
  const pools: PgPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => (pool.ending ? undefined : pool.end())));
    assert.equal(await backendsSettle(db.server, 0), 0, 'every backend gone');
  });
  return (config = {}) => {
    const pool = new PgPool({ ...db.server.config, ...config });
    pools.push(pool);
    return pool;
  };
}
