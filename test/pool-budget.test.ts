// The `budget` option (SPEC §9) with the in-memory budget of /testing: several pools sharing one
// budget play the processes of a fleet.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConnectionBudgetExhaustedError,
  ConnectionBudgetUnavailableError,
  ConnectionPool,
  ConnectionPoolTimeoutError,
} from '../src/index.ts';
import { MemoryBudget, type MockConnection, MockConnectionManager } from '../src/testing/index.ts';
import {
  closePool,
  disposeReasons,
  makePool,
  pending,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('connection budget', () => {
  const clock = useFakeClock();

  function fleet(limit = 2, pollInterval = 100) {
    const budget = new MemoryBudget<string, MockConnection>({ limit, pollInterval });
    const a = makePool<string>({ budget, minIdle: 0 });
    const b = makePool<string>({ budget, minIdle: 0 });
    const exhausted: unknown[] = [];
    b.pool.on('budgetExhausted', (event) => exhausted.push(event));
    return { budget, a, b, exhausted };
  }

  it('holds the fleet to the limit; a full budget queues the acquirer, whose timeout names it', async () => {
    const { budget, a, b, exhausted } = fleet();
    const x = await a.pool.acquire('db');
    const y = await a.pool.acquire('db');
    const waiting = track(b.pool.acquire('db', { timeout: 1_000 }));
    await settle(clock);
    pending(waiting);
    assert.equal(budget.held('db'), 2);
    assert.equal(b.mock.created.length, 1, 'b opened one connection, refused a slot');
    assert.equal(b.mock.disposed.length, 1, 'and closed it');
    assert.equal(b.pool.size, 0);
    assert.deepEqual(b.pool.stats().endpoints[0]?.budget, { limit: 2, held: 0, waiting: 1 });
    assert.deepEqual(exhausted, [{ endpoint: 'db', limit: 2 }]);
    await clock.tickAsync(1_000);
    const error = rejected(waiting);
    assert.ok(error instanceof ConnectionPoolTimeoutError);
    assert.ok(error.cause instanceof ConnectionBudgetExhaustedError);
    assert.equal(error.cause.code, 'ERR_POOL_BUDGET_EXHAUSTED');
    assert.match(error.cause.message, /"db".*2 slots/);
    assert.equal(budget.held('db'), 2);
    assert.equal(exhausted.length, 1, 'once per turn to full');
    await a.pool.release(x);
    await a.pool.release(y);
    await closePool(a.pool, clock);
    await closePool(b.pool, clock);
    assert.equal(budget.held('db'), 0);
  });

  it('room given back anywhere in the fleet is used within the poll, one probe at a time', async () => {
    const { budget, a, b } = fleet(2, 100);
    const x = await a.pool.acquire('db');
    await a.pool.acquire('db');
    const first = track(b.pool.acquire('db', { timeout: 5_000 }));
    const second = track(b.pool.acquire('db', { timeout: 5_000 }));
    await settle(clock);
    const claimsWhenFull = budget.claims.length;
    await clock.tickAsync(1_000); // about 10 polls, each one probe
    const probes = budget.claims.length - claimsWhenFull;
    assert.ok(probes >= 6 && probes <= 21, `${probes} probes in 1 s at pollInterval 100`);
    assert.equal(
      b.mock.created.length,
      b.mock.disposed.length,
      'every probe closed its connection',
    );
    await a.pool.discard(x); // a slot comes back
    await clock.tickAsync(150);
    assert.equal(first.state, 'fulfilled');
    pending(second);
    assert.equal(budget.held('db'), 2);
    assert.equal(b.pool.stats().totals.waitedAcquires, 1);
    const c = first.promise;
    await b.pool.release(await c);
    await settle(clock);
    assert.equal(second.state, 'fulfilled', 'released to the next waiter, no claim');
    await b.pool.release(await second.promise);
    await closePool(b.pool, clock);
    const held = a.pool.stats().endpoints[0];
    assert.deepEqual(held?.budget, { limit: 2, held: 1, waiting: 0 });
    const closing = a.pool.close({ timeout: 10 }); // a still holds its second connection
    await clock.tickAsync(10);
    await closing;
  });

  it('is consulted only where a connection is born and dies, never on acquire and release', async () => {
    const budget = new MemoryBudget<string, MockConnection>({ limit: 5 });
    const { pool } = makePool<string>({ budget, minIdle: 1 });
    await pool.release(await pool.acquire('db'));
    for (let i = 0; i < 10; i++) await pool.release(await pool.acquire('db'));
    assert.equal(budget.claims.length, 1);
    assert.equal(budget.releases.length, 0);
    await closePool(pool, clock);
    assert.equal(budget.releases.length, 1);
    assert.equal(budget.held('db'), 0);
  });

  it('an engine that cannot be reached fails new creates; held connections keep serving', async () => {
    const budget = new MemoryBudget<string, MockConnection>({ limit: 5 });
    const { pool, mock } = makePool<string>({ budget, minIdle: 1, createRetryDelay: 0 });
    const x = await pool.acquire('db');
    await pool.release(x);
    const down = new Error('engine down');
    budget.unavailable = down;
    assert.equal(await pool.acquire('db'), x, 'the idle one serves');
    await assert.rejects(pool.acquire('db'), (error: unknown) => {
      assert.ok(error instanceof ConnectionBudgetUnavailableError);
      assert.equal(error.code, 'ERR_POOL_BUDGET_UNAVAILABLE');
      assert.equal(error.cause, down);
      return true;
    });
    await settle(clock);
    assert.equal(mock.disposed.length, 1, 'the connection that could not claim was closed');
    assert.equal(pool.size, 1);
    await pool.release(x);
    await closePool(pool, clock);
  });

  it('a lost slot retires its connection: at once when idle, at release when acquired', async () => {
    const budget = new MemoryBudget<string, MockConnection>({ limit: 5 });
    const { pool, log } = makePool<string>({ budget, minIdle: 2, maxSize: 2 });
    const x = await pool.acquire('db');
    const y = await pool.acquire('db');
    await pool.release(x);
    budget.lose('db', x);
    budget.lose('db', y);
    await settle(clock);
    assert.deepEqual(disposeReasons(log), [[x.id, 'dead']]);
    await pool.release(y);
    assert.deepEqual(disposeReasons(log), [
      [x.id, 'dead'],
      [y.id, 'dead'],
    ]);
    assert.equal(pool.size, 0);
    await closePool(pool, clock);
  });

  it('before waiting, evicts its own idle connection of another endpoint of the same scope', async () => {
    const budget = new MemoryBudget<string, MockConnection>({
      limit: 1,
      scope: () => 'one-database',
      pollInterval: 100_000,
    });
    const { pool, log } = makePool<string>({ budget, minIdle: 1 });
    const x = await pool.acquire('replica');
    await pool.release(x);
    const got = await pool.acquire('master', { timeout: 1_000 });
    assert.deepEqual(disposeReasons(log), [[x.id, 'evicted']]);
    assert.equal(got.endpoint, 'master');
    assert.equal(budget.held('master'), 1);
    await pool.release(got);
    await closePool(pool, clock);
  });

  it('creates one connection at a time per endpoint, so at most one is ever refused', async () => {
    const budget = new MemoryBudget<string, MockConnection>({ limit: 5 });
    const { pool, mock } = makePool<string>({ budget, minIdle: 0 });
    let inFlight = 0;
    let most = 0;
    pool.on('create', () => inFlight--);
    const create = mock.create.bind(mock);
    mock.create = (endpoint, context) => {
      most = Math.max(most, ++inFlight);
      return create(endpoint, context);
    };
    const got = await Promise.all([pool.acquire('db'), pool.acquire('db'), pool.acquire('db')]);
    assert.equal(most, 1);
    assert.equal(mock.created.length, 3);
    for (const c of got) await pool.release(c);
    await pool.prewarm('db', 5);
    assert.equal(most, 1);
    assert.equal(pool.getEndpointPoolSize('db', false), 5);
    assert.equal(budget.held('db'), 5);
    await closePool(pool, clock);
  });

  it('bad budgets and unknown endpoints are clear errors', async () => {
    const manager = new MockConnectionManager();
    assert.throws(
      () => new ConnectionPool(manager, { budget: {} as never }),
      /budget must be a ConnectionBudget \(with limit, claim, release methods\), received \{\}/,
    );
    const budget = new MemoryBudget<string, MockConnection>({
      limit: 1,
      pollInterval: 0 as number,
    });
    assert.throws(
      () => new ConnectionPool(manager, { budget }),
      /budget.pollInterval must be above 0/,
    );
    const byName = new MemoryBudget<string, MockConnection>({ limit: { master: 1 } });
    const pool = new ConnectionPool(manager, { budget: byName });
    await assert.rejects(pool.acquire('replica'), /MemoryBudget has no limit for endpoint replica/);
    assert.equal(pool.size, 0);
    await pool.close();
  });

  it("a budget's watch wakes the waiting acquirers, and is stopped when none wait", async () => {
    const memory = new MemoryBudget<string, MockConnection>({ limit: 1 });
    const watching: Array<() => void> = [];
    let stopped = 0;
    const budget = {
      limit: (endpoint: string) => memory.limit(endpoint),
      claim: memory.claim.bind(memory),
      release: memory.release.bind(memory),
      pollInterval: Number.POSITIVE_INFINITY,
      watch(_endpoint: string, onRoom: () => void) {
        watching.push(onRoom);
        return () => stopped++;
      },
    };
    const a = makePool<string>({ budget, minIdle: 0 });
    const b = makePool<string>({ budget, minIdle: 0 });
    const x = await a.pool.acquire('db');
    const waiting = track(b.pool.acquire('db', { timeout: 10_000 }));
    await clock.tickAsync(5_000);
    pending(waiting);
    assert.equal(watching.length, 1);
    assert.equal(b.mock.created.length, 1, 'no poll: only the first, refused, create');
    await a.pool.discard(x);
    watching[0]?.();
    await settle(clock);
    assert.equal(waiting.state, 'fulfilled');
    assert.equal(stopped, 1);
    await b.pool.release(await waiting.promise);
    await closePool(a.pool, clock);
    await closePool(b.pool, clock);
  });

  it('close stops the polls and ends the waits', async () => {
    const { a, b } = fleet(1, 100);
    const x = await a.pool.acquire('db');
    const waiting = track(b.pool.acquire('db', { timeout: Number.POSITIVE_INFINITY }));
    await settle(clock);
    const created = b.mock.created.length;
    await b.pool.close();
    assert.equal(rejected(waiting)?.constructor.name, 'ConnectionPoolClosedError');
    await clock.tickAsync(1_000);
    assert.equal(b.mock.created.length, created, 'no probe after close');
    await a.pool.release(x);
    await closePool(a.pool, clock);
  });
});
