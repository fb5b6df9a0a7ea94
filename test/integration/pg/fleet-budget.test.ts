// PgFleetBudget against a real PostgreSQL (SPEC §9), called directly on pg clients: bad input,
// the lock keys, one claim takes at most one lock, the slots are distinct and never more than the
// limit, a slot comes back when its session ends, a pooler is refused, an aborted claim; and in
// one pool: an endpoint without a limit, a pooler refused as ConnectionBudgetUnavailableError.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { PgConnectionManager, PgFleetBudget } from '../../../src/contrib/pg/index.ts';
import { ConnectionBudgetUnavailableError, ConnectionPool } from '../../../src/index.ts';
import { advisoryLocks, backendsSettle } from '../helpers/postgres.ts';
import { backendPid, usePostgres } from './use-postgres.ts';

const db = usePostgres();
const clients: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end()));
  assert.equal(await backendsSettle(db.server, 0), 0, 'every backend gone');
});

async function connect(count: number): Promise<pg.Client[]> {
  const made = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = new pg.Client(db.server.config);
      client.on('error', () => undefined); // a terminated backend
      clients.push(client);
      await client.connect();
      return client;
    }),
  );
  return made;
}

const context = { signal: new AbortController().signal, lost: () => undefined };

/** How many slot locks of any budget the session of `client` holds, asked on `client`. */
async function budgetSlots(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND pid = pg_backend_pid()",
  );
  return rows[0]?.n ?? 0;
}

/** How many advisory locks of any key the session of `client` holds. */
async function locksOfSession(client: pg.Client): Promise<number> {
  const [row] = await db.server.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1",
    [await backendPid(client)],
  );
  return row?.n ?? 0;
}

describe('PgFleetBudget', { timeout: 30_000 }, () => {
  it('rejects bad input with an error naming it', () => {
    const cases: Array<[unknown, ErrorConstructor, string]> = [
      [{ name: '', limit: 5 }, TypeError, 'PgFleetBudget: name must be a non-empty string, got ""'],
      [
        { name: 7, limit: 5 },
        TypeError,
        'PgFleetBudget: name must be a non-empty string, got number',
      ],
      [{ limit: 5 }, TypeError, 'PgFleetBudget: name must be a non-empty string, got undefined'],
      [undefined, TypeError, 'PgFleetBudget: name must be a non-empty string, got undefined'],
      [
        { name: 'app', limit: '5' },
        TypeError,
        'PgFleetBudget "app": limit must be a number or an object of numbers by endpoint name, got string',
      ],
      [
        { name: 'app', limit: [5] },
        TypeError,
        'PgFleetBudget "app": limit must be a number or an object of numbers by endpoint name, got an array',
      ],
      [
        { name: 'app', limit: { main: null } },
        TypeError,
        'PgFleetBudget "app": limit["main"] must be a number, got null',
      ],
      [
        { name: 'app', limit: 0 },
        RangeError,
        'PgFleetBudget "app": limit must be an integer ≥ 1, got 0',
      ],
      [
        { name: 'app', limit: -3 },
        RangeError,
        'PgFleetBudget "app": limit must be an integer ≥ 1, got -3',
      ],
      [
        { name: 'app', limit: 2.5 },
        RangeError,
        'PgFleetBudget "app": limit must be an integer ≥ 1, got 2.5',
      ],
      [
        { name: 'app', limit: Number.NaN },
        RangeError,
        'PgFleetBudget "app": limit must be an integer ≥ 1, got NaN',
      ],
      [
        { name: 'app', limit: { main: 4, replica: 0.5 } },
        RangeError,
        'PgFleetBudget "app": limit["replica"] must be an integer ≥ 1, got 0.5',
      ],
    ];
    for (const [options, type, message] of cases) {
      assert.throws(
        () => new PgFleetBudget(options as never),
        (error: unknown) => error instanceof type && (error as Error).message === message,
        message,
      );
    }
  });

  it('has a limit per endpoint, and a RangeError for an endpoint an object limit lacks', async () => {
    assert.equal(new PgFleetBudget({ name: 'app', limit: 3 }).limit('anything'), 3);
    const budget = new PgFleetBudget({ name: 'app', limit: { main: 4, replica: 2 } });
    assert.deepEqual([budget.limit('main'), budget.limit('replica')], [4, 2]);
    const missing =
      'PgFleetBudget "app" has no limit for endpoint "other"; it has limits for "main", "replica"';
    assert.throws(() => budget.limit('other'), new RangeError(missing));
    const [client] = await connect(1);
    await assert.rejects(budget.claim('other', client!, context), new RangeError(missing));
    assert.equal(await locksOfSession(client!), 0);
  });

  it('derives the lock namespace from the name (FNV-1a, 32 bits, signed)', () => {
    assert.equal(new PgFleetBudget({ name: 'a', limit: 1 }).namespace, -468965076);
    assert.equal(new PgFleetBudget({ name: 'app', limit: 1 }).namespace, 527074092);
  });

  it('gives limit clients one distinct slot each, one lock per session, and the rest none', async () => {
    const budget = new PgFleetBudget({ name: 'fleet-direct', limit: 5 });
    const all = await connect(8);
    const claimed = await Promise.all(all.map((client) => budget.claim('main', client, context)));
    assert.equal(claimed.filter(Boolean).length, 5);
    const slots = all.map((client) => budget.slotOf(client));
    assert.deepEqual(
      slots.filter((slot) => slot !== undefined).sort(),
      [0, 1, 2, 3, 4],
      'every slot once',
    );
    const perSession = await Promise.all(all.map(locksOfSession));
    assert.deepEqual(
      perSession,
      claimed.map((got) => (got ? 1 : 0)),
    );
    const locks = await advisoryLocks(db.server, budget.namespace);
    assert.deepEqual(
      locks.map((lock) => lock.key),
      [0, 1, 2, 3, 4],
    );
    // A budget full for everyone: another claim takes nothing.
    assert.equal(await budget.claim('main', all[claimed.indexOf(false)]!, context), false);
    assert.equal((await advisoryLocks(db.server, budget.namespace)).length, 5);
  });

  it('frees a slot when its session ends, and not at release', async () => {
    const budget = new PgFleetBudget({ name: 'fleet-session', limit: 2 });
    const [a, b, c] = await connect(3);
    assert.deepEqual(
      [await budget.claim('main', a!, context), await budget.claim('main', b!, context)],
      [true, true],
    );
    assert.equal(await budget.claim('main', c!, context), false);
    budget.release('main', a!);
    assert.equal(budget.slotOf(a!), undefined);
    assert.equal(
      (await advisoryLocks(db.server, budget.namespace)).length,
      2,
      'release does no I/O',
    );
    const pidOfA = await backendPid(a!);
    assert.equal(
      (await advisoryLocks(db.server, budget.namespace)).filter((lock) => lock.pid === pidOfA)
        .length,
      1,
    );
    await a!.end();
    clients.splice(clients.indexOf(a!), 1);
    await backendsSettle(db.server, 2);
    assert.equal(await budget.claim('main', c!, context), true);
    // The server ending a session (pg_terminate_backend, a crash) frees its slot as well.
    await db.server.query('SELECT pg_terminate_backend($1)', [await backendPid(b!)]);
    clients.splice(clients.indexOf(b!), 1);
    await backendsSettle(db.server, 1);
    const [d] = await connect(1);
    assert.equal(await budget.claim('main', d!, context), true);
    assert.equal((await advisoryLocks(db.server, budget.namespace)).length, 2);
  });

  it('refuses a session whose backend is not the one announced at login, taking no lock', async () => {
    const budget = new PgFleetBudget({ name: 'fleet-pooler', limit: 3 });
    const [client] = await connect(1);
    const pid = await backendPid(client!);
    // What a pooler looks like from the client: it announces a process id of its own.
    (client as unknown as { processID: number }).processID = pid + 1;
    await assert.rejects(
      budget.claim('main', client!, context),
      new Error(
        `PgFleetBudget "fleet-pooler": endpoint "main" is reached through a connection pooler (the session's ` +
          `backend pid ${pid} is not the ${pid + 1} announced at login): session-level advisory locks do not ` +
          'hold behind a transaction-mode pooler such as PgBouncer; connect the budget to PostgreSQL directly',
      ),
    );
    assert.equal(await locksOfSession(client!), 0);
  });

  it('rejects an aborted claim with the reason', async () => {
    const budget = new PgFleetBudget({ name: 'fleet-abort', limit: 3 });
    const [client] = await connect(1);
    const controller = new AbortController();
    const reason = new Error('createTimeout');
    controller.abort(reason);
    await assert.rejects(
      budget.claim('main', client!, { signal: controller.signal, lost: () => undefined }),
      (error: unknown) => error === reason,
    );
    assert.equal(await locksOfSession(client!), 0);
  });

  it('through a pool: an endpoint missing from an object limit rejects the acquire', async () => {
    const pool = new ConnectionPool(
      new PgConnectionManager({ main: db.server.config, other: db.server.config }),
      { budget: new PgFleetBudget({ name: 'fleet-pool', limit: { main: 2 } }) },
    );
    try {
      await assert.rejects(
        pool.acquire('other'),
        new RangeError(
          'PgFleetBudget "fleet-pool" has no limit for endpoint "other"; it has limits for "main"',
        ),
      );
      assert.equal(await pool.connection('main', (client) => budgetSlots(client)), 1);
    } finally {
      await pool.close();
    }
  });

  it('through a pool: a client behind a pooler fails its create with ConnectionBudgetUnavailableError', async () => {
    /** A client that sees another process id at login than its backend's, as behind PgBouncer. */
    class BehindPooler extends pg.Client {
      announced: number | null = null;
      get processID(): number | null {
        return this.announced;
      }
      set processID(pid: number | null) {
        this.announced = pid === null ? null : pid + 1;
      }
    }
    const pool = new ConnectionPool(
      new PgConnectionManager({ main: db.server.config }, { Client: BehindPooler }),
      { budget: new PgFleetBudget({ name: 'fleet-pooler', limit: 2 }), acquireTimeout: 1_000 },
    );
    try {
      const error = await pool.acquire('main').catch((reason: unknown) => reason);
      assert.ok(error instanceof ConnectionBudgetUnavailableError);
      assert.equal(error.code, 'ERR_POOL_BUDGET_UNAVAILABLE');
      assert.equal(
        error.message,
        'The connection budget for endpoint "main" could not claim a slot (the engine failed or ' +
          'refused the connection: see cause); the connection was closed',
      );
      assert.match(
        String((error.cause as Error).message),
        /^PgFleetBudget "fleet-pooler": endpoint "main" is reached through a connection pooler /,
      );
      assert.equal(await backendsSettle(db.server, 0), 0, 'the refused client was closed');
    } finally {
      await pool.close();
    }
  });
});
