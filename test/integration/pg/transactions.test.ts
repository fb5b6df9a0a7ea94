// PgConnectionManager against a real PostgreSQL: a transaction left open (or failed) at release
// never reaches the next user of the connection, whether the connection goes idle or straight to
// a waiter; committed work stays committed.
import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import type pg from 'pg';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import { ConnectionPool } from '../../../src/index.ts';
import { eventsOf, recordEvents } from '../../helpers/pool.ts';
import { backendsSettle } from '../helpers/postgres.ts';
import { backendPid, usePostgres } from './use-postgres.ts';

const db = usePostgres();
beforeEach(() => db.server.query('TRUNCATE items'));
// A failed test must not leave a transaction holding a lock on items for the next ones.
const pools: Array<ConnectionPool<'master', pg.Client>> = [];
afterEach(() => Promise.all(pools.splice(0).map((pool) => pool.close({ timeout: 0 }))));

/** One connection only, so the next user of the endpoint gets the same client. */
function onePool(): ConnectionPool<'master', pg.Client> {
  const manager = new PgConnectionManager({
    master: { ...db.server.config, application_name: 'gcp-txn' },
  });
  const pool = new ConnectionPool(manager, { minIdle: 1, maxSize: 1 });
  pools.push(pool);
  return pool;
}

/** What the next user sees: the rows of `items`, and the transaction state client- and server-side. */
async function view(client: pg.Client) {
  const { rows } = await client.query<{ id: number }>('SELECT id FROM items ORDER BY id');
  const activity = await activityOf(await backendPid(client));
  return { ids: rows.map((row) => row.id), status: client.getTransactionStatus(), activity };
}

/** The server's view of backend `pid`: 'idle', 'idle in transaction', ... */
async function activityOf(pid: number): Promise<{ state: string } | undefined> {
  const [activity] = await db.server.query<{ state: string }>(
    'SELECT state FROM pg_stat_activity WHERE pid = $1',
    [pid],
  );
  return activity;
}

/** Leaves `client` inside a transaction that inserted `id`. */
async function insertInTransaction(client: pg.Client, id: number): Promise<void> {
  await client.query('BEGIN');
  await client.query('INSERT INTO items VALUES ($1)', [id]);
}

const clean = { ids: [], status: 'I', activity: { state: 'idle' } };

/** The next user (`next`) gets `first` back, with no rows and no transaction; closes the pool. */
async function assertNextUserClean(
  pool: ConnectionPool<'master', pg.Client>,
  first: pg.Client,
  next: Promise<pg.Client>,
): Promise<void> {
  const second = await next;
  assert.equal(second, first, 'the same client, reused');
  assert.deepEqual(await view(second), clean);
  await pool.release(second);
  await pool.close();
}

describe('PgConnectionManager transactions on release', { timeout: 20_000 }, () => {
  before(() => db.server.query('CREATE TABLE items (id int)'));

  it('rolls back a transaction left open before the connection is reused', async () => {
    const pool = onePool();
    const first = await pool.acquire('master');
    await insertInTransaction(first, 1);
    assert.equal(first.getTransactionStatus(), 'T');
    await pool.release(first);

    await assertNextUserClean(pool, first, pool.acquire('master'));
  });

  it('rolls back before handing the connection straight to a waiter (no aliveness check there)', async () => {
    const pool = onePool();
    const first = await pool.acquire('master');
    await insertInTransaction(first, 2);
    const waiting = pool.acquire('master');
    await pool.release(first);

    await assertNextUserClean(pool, first, waiting);
  });

  it('rolls back a failed transaction, so the next user can run queries', async () => {
    const pool = onePool();
    const first = await pool.acquire('master');
    const pid = await backendPid(first);
    await insertInTransaction(first, 3);
    await assert.rejects(first.query('SELECT 1 / 0'), { code: '22012' });
    // Asked of the server: the client's own status may still await the ReadyForQuery.
    assert.deepEqual(await activityOf(pid), { state: 'idle in transaction (aborted)' });
    await pool.release(first);

    await assertNextUserClean(pool, first, pool.acquire('master'));
  });

  it('rolls back when released at the error, before the ReadyForQuery that says the transaction failed', async () => {
    const pool = onePool();
    const first = await pool.acquire('master');
    const waiting = pool.acquire('master'); // gets the client straight from release: no check
    // A callback runs as the ErrorResponse is parsed, before the ReadyForQuery behind it.
    const released = new Promise<void>((resolve, reject) => {
      first.query('BEGIN; INSERT INTO items VALUES (6); SELECT 1 / 0', (error: Error | null) => {
        assert.equal((error as { code?: string } | null)?.code, '22012');
        assert.equal(first.getTransactionStatus(), 'I', 'not yet told of the failed transaction');
        pool.release(first).then(resolve, reject);
      });
    });
    await released;

    await assertNextUserClean(pool, first, waiting);
  });

  it('leaves committed work alone', async () => {
    const pool = onePool();
    await pool.connection('master', async (client) => {
      await insertInTransaction(client, 4);
      await client.query('COMMIT');
    });
    const ids = await pool.connection('master', async (client) => (await view(client)).ids);
    assert.deepEqual(ids, [4]);
    await pool.close();
  });

  it('closes a client whose rollback fails: release rejects, and the client is never reused', async () => {
    const pool = onePool();
    const log = recordEvents(pool);
    const first = await pool.acquire('master');
    await insertInTransaction(first, 5);
    // A live server does not refuse ROLLBACK; this stands in for a connection failing just then.
    const failure = new Error('network gone');
    const query = first.query.bind(first);
    first.query = ((text: string) =>
      text === 'ROLLBACK' ? Promise.reject(failure) : query(text)) as typeof first.query;
    await assert.rejects(pool.release(first), (error: Error) => {
      assert.equal(
        error.message,
        'PgConnectionManager: could not roll back the transaction left open on a connection ' +
          'to endpoint "master"; the connection was closed',
      );
      assert.equal(error.cause, failure);
      return true;
    });

    const second = await pool.acquire('master');
    assert.notEqual(second, first);
    assert.deepEqual(await view(second), clean);
    assert.deepEqual(
      eventsOf(log, 'dispose').map((e) => [e.connection === first, e.reason]),
      [[true, 'dead']],
    );
    await pool.release(second);
    await pool.close();
    assert.equal(await backendsSettle(db.server, 0), 0);
  });
});
