// PgConnectionManager against a real PostgreSQL under load: 100 concurrent queries through a pool
// of maxSize 5 never open more than 5 server backends, seen from the server itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import { ConnectionPool } from '../../../src/index.ts';
import { eventsOf, recordEvents } from '../../helpers/pool.ts';
import { backendsSettle, countBackends } from '../helpers/postgres.ts';
import { usePostgres } from './use-postgres.ts';

const db = usePostgres();

describe('PgConnectionManager under load', { timeout: 30_000 }, () => {
  it('100 concurrent queries over maxSize 5 use at most 5 backends', async () => {
    const app = 'gcp-load';
    const pool = new ConnectionPool(
      new PgConnectionManager({ master: { ...db.server.config, application_name: app } }),
      { maxSize: 5, minIdle: 1 },
    );
    const log = recordEvents(pool);

    // The server's count of this pool's backends, sampled for as long as the load runs.
    const samples: number[] = [];
    let loading = true;
    const sampling = (async () => {
      while (loading) samples.push(await countBackends(db.server, app));
    })();
    const pids = await Promise.all(
      Array.from({ length: 100 }, () =>
        pool.connection('master', async (client) => {
          const { rows } = await client.query<{ pid: number }>(
            'SELECT pg_backend_pid() AS pid, pg_sleep(0.005)',
          );
          return rows[0]!.pid;
        }),
      ),
    );
    loading = false;
    await sampling;
    samples.push(await countBackends(db.server, app));

    assert.equal(pids.length, 100);
    assert.equal(new Set(pids).size, 5, 'distinct backends that ran the queries');
    assert.ok(samples.length >= 2, `sampled ${samples.length} times`);
    assert.equal(Math.max(...samples), 5, `backends seen by the server: ${samples.join(' ')}`);
    assert.equal(eventsOf(log, 'create').length, 5);
    assert.equal(pool.size, 5);

    await pool.close();
    assert.equal(await backendsSettle(db.server, 0, app), 0);
  });
});
