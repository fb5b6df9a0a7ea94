// PgConnectionManager against a real PostgreSQL when things go wrong: a backend terminated while
// its client is idle, bad credentials, and a connect aborted half-way. Nothing may leak: no pool
// capacity, no server backend, no unhandled error.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type pg from 'pg';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import { ConnectionPool, ConnectionPoolClosedError } from '../../../src/index.ts';
import { deferred } from '../../../src/testing/index.ts';
import { eventsOf, recordEvents } from '../../helpers/pool.ts';
import { backendsSettle, countBackends } from '../helpers/postgres.ts';
import { backendPid, usePostgres } from './use-postgres.ts';

const db = usePostgres();

// An 'error' emitted with no listener would surface here instead of crashing the test process.
let uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => {
  uncaught.push(error);
};
beforeEach(() => {
  uncaught = [];
  process.on('uncaughtException', onUncaught);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
});

/** A config whose login stops at the password until the test goes on; `atPassword` resolves then. */
function stalledLogin(): { config: pg.ClientConfig; atPassword: Promise<void> } {
  const atPassword = deferred();
  const password = (): Promise<string> => {
    atPassword.resolve();
    return new Promise<string>(() => {});
  };
  return { config: { ...db.server.config, password }, atPassword: atPassword.promise };
}

// A manager that fails to honour an abort would hang: the suite's timeout turns that into a failure.
describe('PgConnectionManager failures', { timeout: 20_000 }, () => {
  for (const wait of [true, false]) {
    it(`replaces a client whose backend was terminated while idle (${wait ? "after the client's 'end' event" : 'acquiring at once'})`, async () => {
      // Acquiring at once, only a round trip can tell: pingAfterIdle 0 spends one on every reuse.
      const manager = new PgConnectionManager(
        { master: { ...db.server.config, application_name: 'gcp-dead' } },
        { pingAfterIdle: wait ? undefined : 0 },
      );
      const pool = new ConnectionPool(manager, { minIdle: 1, maxSize: 2 });
      const log = recordEvents(pool);
      const first = await pool.acquire('master');
      const pid = await backendPid(first);
      await pool.release(first);
      const ended = new Promise((resolve) => first.once('end', resolve));
      // With a timeout, pg_terminate_backend returns once the backend has exited.
      const [terminated] = await db.server.query<{ ok: boolean }>(
        'SELECT pg_terminate_backend($1, 5000) AS ok',
        [pid],
      );
      assert.equal(terminated?.ok, true);
      // Either the client has seen its socket close (dead without a round trip) or the check's
      // round trip fails.
      if (wait) await ended;

      const second = await pool.acquire('master');
      assert.notEqual(second, first);
      const { rows } = await second.query<{ one: number }>('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
      assert.equal(eventsOf(log, 'create').length, 2);
      assert.deepEqual(eventsOf(log, 'dead'), [{ endpoint: 'master', connection: first }]);
      assert.deepEqual(
        eventsOf(log, 'dispose').map((e) => [e.connection === first, e.reason]),
        [[true, 'dead']],
      );
      await pool.release(second);
      await pool.close();
      assert.equal(await backendsSettle(db.server, 0), 0);
      assert.deepEqual(uncaught, []);
    });
  }

  it('replaces every idle client after a server restart, without an unhandled error', async () => {
    const manager = new PgConnectionManager({ master: db.server.config });
    const pool = new ConnectionPool(manager, { minIdle: 2, maxSize: 3 });
    const log = recordEvents(pool);
    const old = [await pool.acquire('master'), await pool.acquire('master')];
    await Promise.all(old.map((client) => pool.release(client)));
    await db.server.stop('fast');
    await db.server.start();

    const client = await pool.acquire('master');
    assert.ok(!old.includes(client), 'a new client');
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    assert.deepEqual(rows, [{ one: 1 }]);
    assert.deepEqual(
      eventsOf(log, 'dispose').map((e) => [old.includes(e.connection as never), e.reason]),
      [
        [true, 'dead'],
        [true, 'dead'],
      ],
    );
    assert.equal(eventsOf(log, 'create').length, 3);
    await pool.release(client);
    await pool.close();
    assert.equal(await backendsSettle(db.server, 0), 0);
    assert.deepEqual(uncaught, []);
  });

  it('rejects bad credentials with the server error, leaking nothing', async () => {
    const manager = new PgConnectionManager({
      master: { ...db.server.config, password: 'wrong', application_name: 'gcp-bad-password' },
    });
    const pool = new ConnectionPool(manager, { maxSize: 2 });
    const log = recordEvents(pool);
    await assert.rejects(pool.acquire('master'), {
      code: '28P01',
      message: 'password authentication failed for user "postgres"',
    });
    assert.equal(pool.size, 0);
    assert.equal(pool.getEndpointPoolSize('master'), 0);
    assert.equal(eventsOf(log, 'createError').length, 1);
    assert.equal(eventsOf(log, 'create').length, 0);
    assert.equal(await backendsSettle(db.server, 0), 0);
    await pool.close();
    assert.deepEqual(uncaught, []);
  });

  it('create: an abort during the login rejects with the reason and leaves no backend', async () => {
    const { config, atPassword } = stalledLogin();
    const manager = new PgConnectionManager({ master: config });
    const controller = new AbortController();
    const creating = manager.create('master', { signal: controller.signal });
    await atPassword;
    assert.equal(await countBackends(db.server), 1, 'the backend of the login in progress');
    const reason = new Error('enough');
    controller.abort(reason);
    await assert.rejects(creating, (error) => error === reason);
    assert.equal(await backendsSettle(db.server, 0), 0);
    assert.deepEqual(uncaught, []);
  });

  it('create: an already aborted signal rejects without connecting', async () => {
    const manager = new PgConnectionManager({ master: db.server.config });
    const reason = new Error('aborted before');
    await assert.rejects(
      manager.create('master', { signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    assert.equal(await countBackends(db.server), 0);
  });

  it('checkAliveness: an abort during the round trip rejects with the reason and closes the client', async () => {
    const manager = new PgConnectionManager({ master: db.server.config }, { pingAfterIdle: 0 });
    const client = await manager.create('master', { signal: new AbortController().signal });
    const alive = { signal: new AbortController().signal };
    assert.equal(await manager.checkAliveness('master', client, alive), true);
    const controller = new AbortController();
    const checking = Promise.resolve(
      manager.checkAliveness('master', client, { signal: controller.signal }),
    );
    const reason = new Error('deadline');
    controller.abort(reason);
    await assert.rejects(checking, (error) => error === reason);
    // Nothing is left to reuse: the next check answers at once, the backend goes away.
    assert.equal(await manager.checkAliveness('master', client, alive), false);
    assert.equal(await backendsSettle(db.server, 0), 0);
    await manager.dispose('master', client, alive);
    assert.deepEqual(uncaught, []);
  });

  it('dispose: an abort destroys the socket of a backend that no longer answers', async () => {
    const manager = new PgConnectionManager({ master: db.server.config });
    const client = await manager.create('master', { signal: new AbortController().signal });
    const pid = await backendPid(client);
    // A stopped backend never closes its end: a graceful end() alone would wait forever.
    process.kill(pid, 'SIGSTOP');
    try {
      const controller = new AbortController();
      const disposing = manager.dispose('master', client, { signal: controller.signal });
      controller.abort(new Error('disposeTimeout'));
      await disposing;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(await backendsSettle(db.server, 0), 0);
    assert.deepEqual(uncaught, []);
  });

  it('pool.close() during a connect aborts it: the acquire rejects, sizes and backends go to 0', async () => {
    const { config, atPassword } = stalledLogin();
    const pool = new ConnectionPool(new PgConnectionManager({ master: config }));
    const log = recordEvents(pool);
    const acquiring = pool.acquire('master');
    await atPassword;
    assert.equal(pool.size, 1);
    assert.equal(await countBackends(db.server), 1);
    const rejected = assert.rejects(acquiring, ConnectionPoolClosedError);
    await pool.close();
    await rejected;
    assert.equal(pool.size, 0);
    assert.equal(eventsOf(log, 'createError').length, 1);
    assert.equal(await backendsSettle(db.server, 0), 0);
    assert.deepEqual(uncaught, []);
  });

  it('createTimeout during a connect aborts it: capacity and the backend are given back', async () => {
    // Wherever the login is when the 100 ms run out (under load it may not be at the password yet).
    const { config } = stalledLogin();
    const pool = new ConnectionPool(new PgConnectionManager({ master: config }), {
      createTimeout: 100,
    });
    const log = recordEvents(pool);
    const createFailed = new Promise((resolve) => pool.on('createError', resolve));
    const acquiring = pool.acquire('master', { timeout: 50 });
    await assert.rejects(acquiring, { code: 'ERR_POOL_TIMEOUT' });
    await createFailed;
    assert.equal(pool.size, 0);
    assert.equal(eventsOf(log, 'create').length, 0);
    assert.equal(await backendsSettle(db.server, 0), 0);
    await pool.close();
    assert.deepEqual(uncaught, []);
  });
});
