// pgPoolView against a real PostgreSQL (SPEC §8): each view is one endpoint of a shared keyed
// pool as a pg.Pool. It routes to its endpoint, counts and reports only that endpoint, shares the
// pool's limits, and its end() ends the view only.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { PgConnectionManager, PgPool, pgPoolView } from '../../../src/contrib/pg/index.ts';
import { ConnectionPool, type PoolOptions } from '../../../src/index.ts';
import { backendsSettle } from '../helpers/postgres.ts';
import { usePostgres } from './use-postgres.ts';

const db = usePostgres();
type Endpoint = 'master' | 'replica';
const shared: Array<ConnectionPool<Endpoint, pg.Client>> = [];
afterEach(async () => {
  // A failed test may still hold clients: they are closed anyway.
  await Promise.all(shared.splice(0).map((pool) => pool.close({ timeout: 0 })));
  assert.equal(await backendsSettle(db.server, 0), 0, 'every backend gone');
});

/** A shared pool of two endpoints on the test server, told apart by application_name. */
function sharedPool(options: PoolOptions<Endpoint> = {}): ConnectionPool<Endpoint, pg.Client> {
  const manager = new PgConnectionManager({
    master: { ...db.server.config, application_name: 'master' },
    replica: { ...db.server.config, application_name: 'replica' },
  });
  const pool = new ConnectionPool<Endpoint, pg.Client>(manager, { minIdle: 0, ...options });
  shared.push(pool);
  return pool;
}

const appName = async (pool: pg.Pool) =>
  (await pool.query("SELECT current_setting('application_name') AS name")).rows[0].name;

/** Every event a view emits, in order, as [name, ...arguments]. */
function recordViewEvents(view: PgPool): unknown[][] {
  const log: unknown[][] = [];
  for (const name of ['connect', 'acquire', 'release', 'remove', 'error'] as const) {
    view.on(name, (...args: unknown[]) => log.push([name, ...args]));
  }
  return log;
}

describe('pgPoolView', { timeout: 20_000 }, () => {
  it('is a pg.Pool that routes to its endpoint and counts only it', async () => {
    const pool = sharedPool({ maxSize: 4, totalMaxSize: 6 });
    const master = pgPoolView(pool, 'master');
    const replica = pgPoolView(pool, 'replica');
    assert.ok(master instanceof pg.Pool && master instanceof PgPool);
    assert.equal(master.pool, pool);
    assert.equal(master.endpoint, 'master');
    assert.deepEqual(
      [master.options.max, master.options.min, master.options.idleTimeoutMillis],
      [4, 0, 60_000],
    );
    assert.equal(await appName(master), 'master');
    assert.equal(await appName(replica), 'replica');
    const held = await replica.connect();
    assert.deepEqual(
      [master.totalCount, master.idleCount, replica.totalCount, replica.idleCount],
      [1, 1, 1, 0],
    );
    held.release();
    assert.equal(pool.size, 2);
  });

  it('end() ends the view only: it waits for its clients, which stay in the shared pool', async () => {
    const pool = sharedPool();
    const master = pgPoolView(pool, 'master');
    const other = pgPoolView(pool, 'master');
    const log = recordViewEvents(master);
    const client = await master.connect();
    let ended = false;
    const ending = master.end().then(() => {
      ended = true;
    });
    await assert.rejects(master.connect(), {
      message: 'Cannot use a pool after calling end on the pool',
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ended, false, 'waits for the client it handed out');
    client.release();
    await ending;
    assert.equal(master.ended, true);
    assert.equal(pool.getEndpointPoolSize('master', false), 1, 'the client went back, idle');
    assert.equal(await appName(other), 'master', 'another view goes on');
    const again = await other.connect();
    again.release();
    assert.equal(again, client);
    assert.deepEqual(
      log.map(([name]) => name),
      ['connect', 'acquire', 'release'],
      'no remove: the client was not closed; nothing after end',
    );
  });

  it('emits connect for its endpoint, acquire and release for its own checkouts, remove when the pool lets a client go', async () => {
    const pool = sharedPool({ maxSize: 1, totalMaxSize: 1 });
    const master = pgPoolView(pool, 'master');
    const replica = pgPoolView(pool, 'replica');
    const log = recordViewEvents(master);
    const direct = await pool.acquire('master'); // created for the endpoint, not through the view
    await pool.release(direct);
    const client = await master.connect();
    assert.equal(client, direct);
    client.release();
    const removed = new Promise((resolve) => master.once('remove', resolve));
    assert.equal(await appName(replica), 'replica'); // evicts master's idle client
    await removed;
    assert.deepEqual(log, [
      ['connect', direct],
      ['acquire', direct],
      ['release', undefined, direct],
      ['remove', direct],
    ]);
  });

  it("an idle client's error is the view's 'error'; the shared pool drops the client", async () => {
    const pool = sharedPool();
    const view = pgPoolView(pool, 'master');
    const client = await view.connect();
    client.release();
    const errors: unknown[][] = [];
    view.on('error', (...args: unknown[]) => errors.push(args));
    const error = new Error('idle and broken');
    client.emit('error', error);
    assert.deepEqual(errors, [[error, client]]);
    assert.equal(pool.getEndpointPoolSize('master'), 0);
  });

  it('waits under the shared totalMaxSize like any acquirer of the pool', async () => {
    const pool = sharedPool({ maxSize: 2, totalMaxSize: 2 });
    const master = pgPoolView(pool, 'master');
    const replica = pgPoolView(pool, 'replica');
    const held = [await master.connect(), await master.connect()];
    const waiting = replica.connect();
    assert.equal(replica.waitingCount, 1);
    held[0]?.release(); // idle at a full pool: evicted for the replica
    const client = await waiting;
    assert.equal(replica.totalCount, 1);
    client.release();
    held[1]?.release();
  });

  it('rejects what is not a pool or an endpoint name', () => {
    assert.throws(() => pgPoolView({} as never, 'master'), {
      name: 'TypeError',
      message: 'pgPoolView: pool must be a ConnectionPool',
    });
    assert.throws(() => pgPoolView(sharedPool(), 1 as never), {
      name: 'TypeError',
      message: 'pgPoolView: endpoint must be a string, got number',
    });
  });
});
