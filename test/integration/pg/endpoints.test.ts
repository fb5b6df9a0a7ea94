// PgConnectionManager against a real PostgreSQL: named endpoints (master and replicas as in the
// original README), reuse of pooled clients, unknown endpoints and invalid configs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import { ConnectionPool } from '../../../src/index.ts';
import { eventsOf, recordEvents } from '../../helpers/pool.ts';
import { backendsSettle, countBackends } from '../helpers/postgres.ts';
import { usePostgres } from './use-postgres.ts';

const db = usePostgres();

describe('PgConnectionManager endpoints', { timeout: 20_000 }, () => {
  it('serves master and replica endpoints, each with its own config, and reuses pooled clients', async () => {
    // Two logical endpoints on one server, told apart by application_name.
    const manager = new PgConnectionManager({
      master: { ...db.server.config, application_name: 'gcp-master' },
      'replica-1': { ...db.server.config, application_name: 'gcp-replica-1' },
    });
    const pool = new ConnectionPool(manager, { minIdle: 1, maxSize: 2, totalMaxSize: 3 });
    const log = recordEvents(pool);
    const seen: Array<[string, string, number]> = [];
    for (let round = 0; round < 3; round++) {
      for (const endpoint of ['master', 'replica-1'] as const) {
        const { rows } = await pool.connection(endpoint, (client) =>
          client.query<{ name: string; pid: number }>(
            "SELECT current_setting('application_name') AS name, pg_backend_pid() AS pid",
          ),
        );
        seen.push([endpoint, rows[0]!.name, rows[0]!.pid]);
      }
    }
    const [masterPid, replicaPid] = [seen[0]![2], seen[1]![2]];
    assert.notEqual(masterPid, replicaPid);
    assert.deepEqual(
      seen,
      [0, 1, 2].flatMap(() => [
        ['master', 'gcp-master', masterPid],
        ['replica-1', 'gcp-replica-1', replicaPid],
      ]),
    );
    assert.deepEqual(
      eventsOf(log, 'create').map((e) => e.endpoint),
      ['master', 'replica-1'],
    );
    assert.equal(pool.size, 2);
    assert.equal(pool.getEndpointPoolSize('master', false), 1);
    assert.equal(pool.getEndpointPoolSize('replica-1', false), 1);
    assert.equal(await countBackends(db.server, 'gcp-master'), 1);
    assert.equal(await countBackends(db.server, 'gcp-replica-1'), 1);

    await pool.close();
    assert.deepEqual(
      eventsOf(log, 'dispose').map((e) => e.reason),
      ['closed', 'closed'],
    );
    assert.equal(await backendsSettle(db.server, 0), 0);
  });

  it('rejects an unknown endpoint with an error naming it and the known ones, leaking nothing', async () => {
    const manager = new PgConnectionManager({
      master: db.server.config,
      'replica-1': db.server.config,
    });
    const pool = new ConnectionPool(manager);
    const log = recordEvents(pool);
    await assert.rejects(
      // @ts-expect-error: the endpoint type is the config's keys, so a typo fails to compile
      pool.acquire('replica-9'),
      {
        name: 'RangeError',
        message:
          'PgConnectionManager: unknown endpoint "replica-9"; the config names "master", "replica-1"',
      },
    );
    assert.equal(pool.size, 0);
    assert.equal(pool.getEndpointPoolSize('replica-9' as 'master'), 0);
    assert.equal(eventsOf(log, 'create').length, 0);
    assert.equal(eventsOf(log, 'createError').length, 1);
    assert.equal(await countBackends(db.server), 0);
    await pool.close();
  });

  it('rejects a config that is not an object of pg.ClientConfig objects', () => {
    assert.throws(() => new PgConnectionManager(null as never), {
      name: 'TypeError',
      message:
        'PgConnectionManager: config must be an object of pg.ClientConfig by endpoint name, got null',
    });
    assert.throws(() => new PgConnectionManager([db.server.config] as never), {
      name: 'TypeError',
      message: /got an array$/,
    });
    assert.throws(() => new PgConnectionManager({ master: 'postgres://db/app' } as never), {
      name: 'TypeError',
      message:
        'PgConnectionManager: config["master"] must be a pg.ClientConfig object (a URL goes in { connectionString }), got string',
    });
    assert.throws(() => new PgConnectionManager({}), {
      name: 'TypeError',
      message: 'PgConnectionManager: config names no endpoint',
    });
  });

  it('reads the endpoint names once: later changes to the config object do not count', async () => {
    const config: Record<string, object> = { master: db.server.config };
    const manager = new PgConnectionManager(config);
    config.late = db.server.config;
    await assert.rejects(manager.create('late', { signal: new AbortController().signal }), {
      name: 'RangeError',
      message: /unknown endpoint "late"/,
    });
  });
});
