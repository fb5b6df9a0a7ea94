/**
 * The reference model of the randomized pool tests: what a user of the pool knows from outside
 * (which acquires are pending and in which order they started, which connections it holds, what
 * the manager created and disposed and when), and the invariants of SPEC §4 checked against the
 * real pool at every quiet point (every microtask run, no hook call left but delayed or hanging
 * creates and disposals).
 *
 * Portable: imports only `node:assert/strict` and project files.
 */
import assert from 'node:assert/strict';
import type { ConnectionPool } from '../../src/index.ts';
import {
  ConnectionPoolClosedError,
  ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from '../../src/index.ts';
import type { MockConnection, MockHook } from '../../src/testing/index.ts';
import { MockConnectionManager } from '../../src/testing/index.ts';
import { NEVER, sizes } from '../helpers/pool.ts';

export const ENDPOINTS = ['a', 'b', 'c'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export type Conn = MockConnection<Endpoint>;

/** The pool options a run uses; all times in ms of the fake clock. */
export interface ModelConfig {
  maxSize: number;
  totalMaxSize: number;
  minIdle: number;
  idleTimeout: number;
  maxLifetime: number;
  acquireTimeout: number;
  createTimeout: number;
  disposeTimeout: number;
  backgroundCollector: boolean;
  disposeBatchSize: number;
  createRetryDelay: number;
  createRetryMaxDelay: number;
  maxUses: number;
  maxWaiters: number;
  maintainMinIdle: boolean;
  maxLifetimeJitter: number;
  skipAlivenessCheckWithin: number;
  keepAliveInterval: number;
  /** Whether the manager's hooks answer synchronously when they do not wait. */
  sync: boolean;
}

/** An error a test scripted into a hook; acquire and release may reject only with their own. */
export class InjectedError extends Error {
  readonly hook: MockHook;
  constructor(hook: MockHook) {
    super(`injected ${hook} failure`);
    this.hook = hook;
  }
}

/** Hooks whose errors reach `acquire` (rules 8, 9). */
const ACQUIRE_HOOKS: ReadonlySet<MockHook> = new Set([
  'create',
  'checkAliveness',
  'onAcquire',
  'onConnectionDead',
]);

/** Far more hook calls than any run of at most 80 steps needs. */
const RUNAWAY_CALLS = 50_000;

/**
 * The mock manager, also counting per endpoint the `create` calls not yet settled and the time
 * each connection was made and disposed.
 */
export class CountingManager extends MockConnectionManager<Endpoint> {
  readonly creating = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
  readonly createdAt = new Map<Conn, number>();
  /** Disposed connections; `disposed` (the mock's list) shows any disposed twice. */
  readonly disposedSet = new Set<Conn>();
  /**
   * Set when the pool made more than RUNAWAY_CALLS hook calls in one run: a loop that never
   * yields to the timers (a livelock). Creates then hang, which ends the loop, so the run fails
   * with a counterexample instead of hanging the test.
   */
  runaway = false;

  override create(endpoint: Endpoint, context?: { signal: AbortSignal }): Conn | Promise<Conn> {
    if (!this.runaway && this.calls.length > RUNAWAY_CALLS) {
      this.runaway = true;
      this.reset().set('create', { gate: NEVER });
    }
    this.#count(endpoint, 1);
    let result: Conn | Promise<Conn>;
    try {
      result = super.create(endpoint, context);
    } catch (error) {
      this.#count(endpoint, -1);
      throw error;
    }
    if (!(result instanceof Promise)) return this.#made(endpoint, result);
    // Attached before the pool's handlers, so the count is right when the pool sees the result.
    result.then(
      (conn) => this.#made(endpoint, conn),
      () => this.#count(endpoint, -1),
    );
    return result;
  }

  override dispose(
    endpoint: Endpoint,
    connection: Conn,
    context?: { signal: AbortSignal },
  ): void | Promise<void> {
    this.disposedSet.add(connection);
    return super.dispose(endpoint, connection, context);
  }

  #made(endpoint: Endpoint, conn: Conn): Conn {
    this.#count(endpoint, -1);
    this.createdAt.set(conn, performance.now());
    return conn;
  }

  #count(endpoint: Endpoint, delta: number): void {
    this.creating.set(endpoint, this.creating.get(endpoint)! + delta);
  }
}

/** One `acquire` call and how it settled. */
export interface AcquireRecord {
  readonly seq: number;
  readonly endpoint: Endpoint;
  readonly startedAt: number;
  /** The effective timeout (the call's or the pool's `acquireTimeout`). */
  readonly timeout: number;
  readonly controller: AbortController | undefined;
  /** How many acquirers of its endpoint waited, not covered by a create, when it started. */
  readonly waitingBefore: number;
  state: 'pending' | 'fulfilled' | 'rejected';
  connection: Conn | undefined;
  reason: unknown;
}

/** The model: what the test knows, stepped beside the real pool. */
export class PoolModel {
  readonly config: ModelConfig;
  readonly pool: ConnectionPool<Endpoint, Conn>;
  readonly mock: CountingManager;
  readonly acquires: AcquireRecord[] = [];
  /** Connections the test holds, and the acquire that got each. */
  readonly held = new Map<Conn, AcquireRecord>();
  /** Connections `close({ timeout })` disposed while held: giving them back is a no-op. */
  readonly forced = new Set<Conn>();
  /** When each connection was last released (or made): its idle time counts from there. */
  readonly releasedAt = new Map<Conn, number>();
  /** Promises of release, discard and close: each must settle by the end. */
  readonly others: Array<{ what: string; settled: boolean }> = [];
  /** Invariant violations seen inside promise handlers or by `watchLimits`, reported at the next check. */
  readonly violations: string[];
  /** Per endpoint, the highest `seq` of a fulfilled acquire. */
  readonly lastServed = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
  /** How many times each connection was handed out. */
  readonly uses = new Map<Conn, number>();
  /** Endpoints where a create has failed: they may back off (createRetryDelay). */
  readonly failedEndpoints = new Set<Endpoint>();
  /** Endpoints whose last create failed: after the backoff they create one at a time (a probe). */
  readonly probing = new Set<Endpoint>();
  closing: Promise<void> | undefined = undefined;
  /** Failures the pool handled: failed or timed-out creates and disposals, dead connections,
   * failing hooks, aborts and acquire timeouts. */
  faults = 0;
  /** Errors of failed creates (including createTimeout), which go to the head waiter (rule 9). */
  readonly #createErrors = new Set<unknown>();
  #seq = 0;

  constructor(
    config: ModelConfig,
    pool: ConnectionPool<Endpoint, Conn>,
    mock: CountingManager,
    limitViolations: string[],
  ) {
    this.config = config;
    this.pool = pool;
    this.mock = mock;
    this.violations = limitViolations;
    pool.on('createError', ({ endpoint, error }) => {
      this.#createErrors.add(error);
      this.failedEndpoints.add(endpoint);
      this.probing.add(endpoint);
      this.faults++;
    });
    pool.on('create', ({ endpoint }) => this.probing.delete(endpoint));
    pool.on('disposeError', () => this.faults++);
    pool.on('dead', () => this.faults++);
  }

  pending(endpoint?: Endpoint): AcquireRecord[] {
    return this.acquires.filter(
      (a) => a.state === 'pending' && (endpoint === undefined || a.endpoint === endpoint),
    );
  }

  /** Connections made and not disposed. */
  live(endpoint?: Endpoint): Conn[] {
    const list: Conn[] = [];
    for (const conn of this.mock.createdAt.keys()) {
      if (this.mock.disposedSet.has(conn)) continue;
      if (endpoint === undefined || conn.endpoint === endpoint) list.push(conn);
    }
    return list;
  }

  /** Calls `acquire` and records how it settles, checking each outcome as it happens. */
  acquire(endpoint: Endpoint, timeout: number | undefined, abortable: boolean): AcquireRecord {
    const controller = abortable ? new AbortController() : undefined;
    const record: AcquireRecord = {
      seq: ++this.#seq,
      endpoint,
      startedAt: performance.now(),
      timeout: timeout ?? this.config.acquireTimeout,
      controller,
      waitingBefore: this.pending(endpoint).length - this.mock.creating.get(endpoint)!,
      state: 'pending',
      connection: undefined,
      reason: undefined,
    };
    this.acquires.push(record);
    const options: { timeout?: number; signal?: AbortSignal } = {};
    if (timeout !== undefined) options.timeout = timeout;
    if (controller !== undefined) options.signal = controller.signal;
    this.pool.acquire(endpoint, options).then(
      (conn) => this.#fulfilled(record, conn),
      (reason: unknown) => this.#rejected(record, reason),
    );
    return record;
  }

  /** Calls `prewarm`, which may fail only as a create does, or when closed or backing off. */
  prewarm(endpoint: Endpoint, count: number): void {
    this.expectSettles(
      `prewarm(${endpoint}, ${count})`,
      this.pool.prewarm(endpoint, count),
      (r) =>
        this.#createErrors.has(r) ||
        (r instanceof ConnectionPoolClosedError && this.pool.closed) ||
        (r instanceof EndpointUnavailableError && this.failedEndpoints.has(endpoint)),
    );
  }

  /** Tracks a promise that must settle by the end, with what it may reject with. */
  expectSettles(what: string, promise: Promise<void>, mayReject: (reason: unknown) => boolean) {
    const entry = { what, settled: false };
    this.others.push(entry);
    promise.then(
      () => {
        entry.settled = true;
      },
      (reason: unknown) => {
        entry.settled = true;
        if (reason instanceof InjectedError) this.faults++;
        if (!mayReject(reason)) this.violations.push(`${what} rejected with ${String(reason)}`);
      },
    );
  }

  #fulfilled(record: AcquireRecord, conn: Conn): void {
    const t = performance.now();
    record.state = 'fulfilled';
    record.connection = conn;
    const what = `acquire #${record.seq} (${record.endpoint}) got connection ${conn.id}`;
    const other = this.held.get(conn);
    if (other !== undefined) this.violations.push(`${what}, already held by #${other.seq}`);
    if (conn.endpoint !== record.endpoint) this.violations.push(`${what} of ${conn.endpoint}`);
    if (this.mock.disposedSet.has(conn)) this.violations.push(`${what}, already disposed`);
    const createdAt = this.mock.createdAt.get(conn);
    if (createdAt === undefined) this.violations.push(`${what}, never created`);
    else if (t >= createdAt + this.config.maxLifetime)
      this.violations.push(`${what} at ${t}, past maxLifetime (made at ${createdAt})`);
    // With minIdle 0 every idle connection is extra: idle for idleTimeout means expired (rule 10).
    const idleSince = this.releasedAt.get(conn) ?? createdAt ?? t;
    if (this.config.minIdle === 0 && t > idleSince && t >= idleSince + this.config.idleTimeout)
      this.violations.push(`${what} at ${t}, idle since ${idleSince}: past idleTimeout`);
    const uses = (this.uses.get(conn) ?? 0) + 1;
    this.uses.set(conn, uses);
    if (uses > this.config.maxUses) this.violations.push(`${what}, use ${uses} > maxUses`);
    this.held.set(conn, record);
    const served = this.lastServed.get(record.endpoint)!;
    if (record.seq > served) this.lastServed.set(record.endpoint, record.seq);
  }

  #rejected(record: AcquireRecord, reason: unknown): void {
    const t = performance.now();
    record.state = 'rejected';
    record.reason = reason;
    const what = `acquire #${record.seq} (${record.endpoint}, timeout ${record.timeout}) rejected at ${t}`;
    if (this.#createErrors.has(reason)) return;
    this.faults++;
    if (reason instanceof ConnectionPoolTimeoutError) {
      const early = record.timeout !== 0 && t < record.startedAt + record.timeout;
      const late = t > record.startedAt + (record.timeout || this.config.createTimeout);
      if (early || late)
        this.violations.push(`${what} with a timeout, started at ${record.startedAt}`);
    } else if (reason instanceof ConnectionPoolClosedError) {
      if (!this.pool.closed) this.violations.push(`${what} as closed, but the pool is open`);
    } else if (reason instanceof EndpointUnavailableError) {
      if (this.config.createRetryDelay === 0 || !this.failedEndpoints.has(record.endpoint))
        this.violations.push(`${what} as unavailable, but no create of it failed`);
    } else if (reason instanceof ConnectionPoolQueueFullError) {
      if (record.waitingBefore < this.config.maxWaiters)
        this.violations.push(`${what} as queue full behind ${record.waitingBefore} waiters`);
    } else if (reason instanceof InjectedError) {
      if (!ACQUIRE_HOOKS.has(reason.hook))
        this.violations.push(`${what} with the ${reason.hook} error`);
    } else if (record.controller === undefined || reason !== record.controller.signal.reason) {
      this.violations.push(`${what} with ${String(reason)}`);
    }
  }

  /** The invariants of SPEC §4 at a quiet point. */
  check(where: string): void {
    assert.ok(
      !this.mock.runaway,
      `${where}: the pool made over ${RUNAWAY_CALLS} hook calls (a livelock)`,
    );
    assert.deepEqual(this.violations, [], where);
    const { pool, config } = this;
    const t = performance.now();
    let total = 0;
    let totalIdle = 0;
    const heldBy = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
    for (const conn of this.held.keys()) {
      if (!this.mock.disposedSet.has(conn))
        heldBy.set(conn.endpoint, heldBy.get(conn.endpoint)! + 1);
    }
    for (const endpoint of ENDPOINTS) {
      const live = this.live(endpoint);
      const held = heldBy.get(endpoint)!;
      const creating = this.mock.creating.get(endpoint)!;
      const idle = live.length - held;
      // Rule 13: exact sizes.
      assert.deepEqual(
        sizes(pool, endpoint),
        { all: live.length + creating, acquired: held, idle },
        `${where}: sizes of ${endpoint}`,
      );
      total += live.length + creating;
      totalIdle += idle;
      const pending = this.pending(endpoint);
      // Rule 5: nobody served before an older acquirer of the same endpoint that still waits.
      const oldest = pending[0];
      if (oldest !== undefined) {
        assert.ok(
          this.lastServed.get(endpoint)! < oldest.seq,
          `${where}: acquire #${this.lastServed.get(endpoint)} of ${endpoint} served before #${oldest.seq}, which still waits`,
        );
      }
      // maxWaiters (§7) bounds the waiters no create in flight will serve.
      assert.ok(
        pending.length - creating <= config.maxWaiters,
        `${where}: ${pending.length} waiters, ${creating} creating at ${endpoint}`,
      );
      // Rule 6: nobody waits past the deadline.
      for (const a of pending) {
        const deadline = a.startedAt + (a.timeout || config.createTimeout);
        assert.ok(
          t < deadline,
          `${where}: acquire #${a.seq} still pending at ${t}, deadline ${deadline}`,
        );
      }
      // Rules 4, 5: no idle connection while its endpoint has waiters; a waiter that no create
      // serves waits only for a limit (or for the probe of an endpoint whose creates failed).
      if (pending.length > 0)
        assert.equal(idle, 0, `${where}: ${endpoint} has waiters and idle connections`);
      if (this.#blocked(endpoint)) {
        assert.equal(
          pool.size,
          config.totalMaxSize,
          `${where}: ${endpoint} waits below every limit`,
        );
      }
      // Rule 10: with the background collector no expired connection stays idle.
      if (config.backgroundCollector) {
        for (const conn of live) {
          if (this.held.has(conn)) continue;
          const createdAt = this.mock.createdAt.get(conn)!;
          assert.ok(
            t < createdAt + config.maxLifetime,
            `${where}: idle ${conn.id} past maxLifetime`,
          );
          const idleSince = this.releasedAt.get(conn) ?? createdAt;
          if (config.minIdle === 0)
            assert.ok(
              t < idleSince + config.idleTimeout,
              `${where}: idle ${conn.id} past idleTimeout`,
            );
        }
      }
    }
    assert.equal(pool.size, total, `${where}: pool.size`);
    this.#checkStats(where, totalIdle);
    // Rule 4: a waiter for total capacity gets any idle connection anywhere, by eviction.
    if (ENDPOINTS.some((e) => this.#blocked(e)))
      assert.equal(totalIdle, 0, `${where}: waiters for total capacity and idle connections`);
    if (pool.closed)
      assert.equal(this.pending().length, 0, `${where}: acquires pending after close`);
  }

  /** Whether `endpoint` has waiters that no create serves, below its maxSize and not probing. */
  #blocked(endpoint: Endpoint): boolean {
    const creating = this.mock.creating.get(endpoint)!;
    if (creating > 0 && this.probing.has(endpoint)) return false;
    return (
      this.pending(endpoint).length > creating &&
      this.pool.getEndpointPoolSize(endpoint) < this.config.maxSize
    );
  }

  /** `stats()` (§7) agrees with the model. */
  #checkStats(where: string, idle: number): void {
    const stats = this.pool.stats();
    let creating = 0;
    for (const n of this.mock.creating.values()) creating += n;
    assert.deepEqual(
      {
        size: stats.size,
        idle: stats.idle,
        acquired: stats.acquired,
        creating: stats.creating,
        waiting: stats.waiting,
        created: stats.totals.created,
        disposed: stats.totals.disposed,
        acquires: stats.totals.acquires,
      },
      {
        size: this.pool.size,
        idle,
        acquired: this.pool.size - idle - creating,
        creating,
        waiting: this.pending().length,
        created: this.mock.createdAt.size,
        disposed: this.mock.disposedSet.size,
        acquires: this.acquires.filter((a) => a.state === 'fulfilled').length,
      },
      `${where}: stats()`,
    );
  }
}
