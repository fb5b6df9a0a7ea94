// PgConnectionManager.checkAliveness against a real PostgreSQL (SPEC §6): what the client already
// knows answers at once, with no round trip; only a client quiet for pingAfterIdle costs one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import { backendsSettle } from '../helpers/postgres.ts';
import { backendPid, usePostgres } from './use-postgres.ts';

const db = usePostgres();
const context = () => ({ signal: new AbortController().signal });

/** A connected client of `manager` whose queries are counted in `texts`. */
async function countedClient(manager: PgConnectionManager<'db'>) {
  const client = await manager.create('db', context());
  const texts: unknown[] = [];
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    texts.push(args[0]);
    return query(...args);
  };
  return { client, texts };
}

describe('PgConnectionManager aliveness', { timeout: 20_000 }, () => {
  it('a client quiet less than pingAfterIdle is alive at once, with no round trip', async () => {
    const manager = new PgConnectionManager({ db: db.server.config });
    const { client, texts } = await countedClient(manager);
    assert.equal(manager.checkAliveness('db', client, context()), true);
    await client.query('SELECT 1');
    await manager.onRelease('db', client);
    assert.equal(manager.checkAliveness('db', client, context()), true);
    assert.deepEqual(texts, ['SELECT 1']);
    await manager.dispose('db', client, context());
  });

  it('a client quiet pingAfterIdle or longer gets one empty query, then counts as fresh', async () => {
    const manager = new PgConnectionManager({ db: db.server.config }, { pingAfterIdle: 30 });
    const { client, texts } = await countedClient(manager);
    await sleep(40); // quiet for longer than pingAfterIdle
    const checked = manager.checkAliveness('db', client, context());
    assert.ok(checked instanceof Promise);
    assert.equal(await checked, true);
    assert.equal(manager.checkAliveness('db', client, context()), true, 'just checked');
    assert.deepEqual(texts, ['']);
    await manager.dispose('db', client, context());
  });

  it('reads the signal only for a round trip: a check without one makes no AbortController', async () => {
    const manager = new PgConnectionManager({ db: db.server.config }, { pingAfterIdle: 30 });
    const { client, texts } = await countedClient(manager);
    let reads = 0;
    const counted = {
      get signal() {
        reads++;
        return new AbortController().signal;
      },
    };
    assert.equal(manager.checkAliveness('db', client, counted), true);
    assert.equal(reads, 0, 'young: answered from what the client knows');
    await sleep(40); // quiet for longer than pingAfterIdle
    assert.equal(await manager.checkAliveness('db', client, counted), true);
    assert.equal(reads, 1, 'the round trip is abortable');
    assert.deepEqual(texts, ['']);
    await manager.dispose('db', client, context());
  });

  it('pingAfterIdle 0 spends a round trip on every check', async () => {
    const manager = new PgConnectionManager({ db: db.server.config }, { pingAfterIdle: 0 });
    const { client, texts } = await countedClient(manager);
    assert.equal(await manager.checkAliveness('db', client, context()), true);
    assert.equal(await manager.checkAliveness('db', client, context()), true);
    assert.deepEqual(texts, ['', '']);
    await manager.dispose('db', client, context());
  });

  it('a terminated backend is dead at once once its socket closed, with no round trip', async () => {
    const manager = new PgConnectionManager({ db: db.server.config });
    const { client, texts } = await countedClient(manager);
    const pid = await backendPid(client);
    const ended = new Promise((resolve) => client.once('end', resolve)); // once() rejects at 'error'
    await db.server.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
    await ended;
    assert.equal(manager.checkAliveness('db', client, context()), false);
    assert.deepEqual(texts, ['SELECT pg_backend_pid() AS pid']);
    await manager.dispose('db', client, context());
  });

  it('an ended client and one inside a transaction are not reused', async () => {
    const manager = new PgConnectionManager({ db: db.server.config });
    const inTransaction = await manager.create('db', context());
    await inTransaction.query('BEGIN');
    assert.equal(manager.checkAliveness('db', inTransaction, context()), false);
    const ending = await manager.create('db', context());
    const ended = ending.end();
    assert.equal(manager.checkAliveness('db', ending, context()), false);
    await ended;
    await manager.dispose('db', inTransaction, context());
    assert.equal(await backendsSettle(db.server, 0), 0);
  });

  it('connects with the Client class it was given', async () => {
    const made: pg.ClientConfig[] = [];
    class Recorded extends pg.Client {
      constructor(config: pg.ClientConfig) {
        super(config);
        made.push(config);
      }
    }
    const manager = new PgConnectionManager({ db: db.server.config }, { Client: Recorded });
    const client = await manager.create('db', context());
    assert.ok(client instanceof Recorded);
    assert.deepEqual(made, [db.server.config]);
    await manager.dispose('db', client, context());
  });

  it('rejects bad options with TypeError or RangeError naming them', () => {
    const config = { db: db.server.config };
    assert.throws(() => new PgConnectionManager(config, { pingAfterIdle: '5' as never }), {
      name: 'TypeError',
      message: 'PgConnectionManager: pingAfterIdle must be a number of milliseconds, got string',
    });
    assert.throws(() => new PgConnectionManager(config, { pingAfterIdle: -1 }), {
      name: 'RangeError',
      message: 'PgConnectionManager: pingAfterIdle must be at least 0 milliseconds, got -1',
    });
    assert.throws(() => new PgConnectionManager(config, { Client: {} as never }), {
      name: 'TypeError',
      message: 'PgConnectionManager: Client must be a class, got object',
    });
  });
});
