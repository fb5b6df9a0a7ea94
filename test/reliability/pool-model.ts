/**
 * The reference model of the randomized pool tests: what a user of the pool knows from outside
 * (which acquires are pending and in which order they started, which connections it holds, what
 * the manager created and disposed and when, which hook calls are running), and the invariants of
 * SPEC §4 checked against the real pool at every quiet point (every microtask run, no hook call
 * left but delayed or hanging ones), at every manager call and event (`watchInstants`), and as each
 * promise settles.
 *
 * The endpoints are values of every type rule 1 keys: a string, a number, an array and a plain
 * object whose keys come in a different order on every other call. The model names them 'a' to 'd';
 * the pool only ever sees a fresh value from `alias`.
 *
 * Where SPEC leaves a choice to the implementation, the model takes the README's documented
 * decision ("Decisions where the contract is silent"); each such place says so.
 *
 * Portable: imports only `node:assert/strict` and project files.
 */
import assert from 'node:assert/strict';
import type { ConnectionPool, DisposeReason } from '../../src/index.ts';
import {
  ConnectionPoolClosedError,
  ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from '../../src/index.ts';
import type { MockConnection, MockHook } from '../../src/testing/index.ts';
import { MockConnectionManager } from '../../src/testing/index.ts';
import { NEVER, sizes } from '../helpers/pool.ts';
import type { BudgetModel } from './budget-model.ts';

export const ENDPOINTS = ['a', 'b', 'c', 'd'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export type Conn = MockConnection<Endpoint>;

/**
 * A fresh value of `endpoint` as the pool sees it (rule 1): 'a' a string, 'b' a number, 'c' an
 * array, 'd' a plain object (with a nested one) whose keys come in the order `variant` picks.
 */
export function alias(endpoint: Endpoint, variant = 0): unknown {
  switch (endpoint) {
    case 'a':
      return 'a';
    case 'b':
      return 2;
    case 'c':
      return ['c', 3, true, null];
    case 'd':
      return variant % 2 === 0
        ? { host: 'd', port: 4, tls: { ca: 'x', verify: true } }
        : { tls: { verify: true, ca: 'x' }, port: 4, host: 'd' };
  }
}

/** The model's name of an endpoint value the pool passed to the manager, if it is one of ours. */
export function canon(value: unknown): Endpoint | undefined {
  if (value === 'a') return 'a';
  if (value === 2) return 'b';
  if (Array.isArray(value) && value[0] === 'c') return 'c';
  if (typeof value === 'object' && value !== null && (value as { host?: unknown }).host === 'd')
    return 'd';
  return undefined;
}

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
  leakDetectionThreshold: number;
  /** Whether the manager's hooks answer synchronously when they do not wait. */
  sync: boolean;
  /**
   * Whether the pool is given the manager's `create` and `dispose` only: no `checkAliveness`,
   * `onAcquire`, `onRelease` or `onConnectionDead` (the hook-less fast path).
   */
  bare: boolean;
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

/** Hooks during which the connection counts as acquired (README: being checked, in onAcquire/onRelease). */
const PREPARING_HOOKS: ReadonlySet<MockHook> = new Set([
  'checkAliveness',
  'onAcquire',
  'onRelease',
]);

/** Hooks an acquirer may be waiting for, out of the queue (rules 8, 9). */
const SERVING_HOOKS: ReadonlySet<MockHook> = new Set([
  'checkAliveness',
  'onAcquire',
  'onConnectionDead',
]);

/** Dispose reasons a `release` or `discard` must wait for (README: they wait for `dispose`). */
const AWAITED_REASONS: ReadonlySet<DisposeReason> = new Set([
  'lifetime',
  'maxUses',
  'idle',
  'discarded',
]);

/** Far more hook calls than any run of at most 80 steps needs. */
const RUNAWAY_CALLS = 50_000;

/** One call of a manager hook, from its start until its result settles. */
export interface HookCall {
  readonly hook: MockHook;
  readonly endpoint: Endpoint;
  /** Absent for `create`. */
  readonly connection: Conn | undefined;
  /** The call's `context.signal`; absent for the hooks that have none. */
  readonly signal: AbortSignal | undefined;
  settled: boolean;
  /** `create` only: its signal aborted before it settled, so the pool no longer counts it. */
  abandoned: boolean;
}

/**
 * The mock manager, also tracking every hook call while it runs, per endpoint the creates the pool
 * still counts, and when each connection was made. It translates the endpoint values the pool
 * passes back to the model's names (a value that is none of ours is a violation).
 */
export class CountingManager extends MockConnectionManager<Endpoint> {
  readonly creating = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
  readonly createdAt = new Map<Conn, number>();
  /** Disposed connections; `disposed` (the mock's list) shows any disposed twice. */
  readonly disposedSet = new Set<Conn>();
  /** Connections a create delivered after its signal aborted (given up, or closed). */
  readonly late = new Set<Conn>();
  /** The `dispose` call of each disposed connection. */
  readonly disposals = new Map<Conn, HookCall>();
  /** Hook calls started and not settled. */
  readonly running = new Set<HookCall>();
  /** Endpoint values passed to a hook that are not one of the model's. */
  readonly strangers: string[] = [];
  /** Runs at the start of every hook call, before the mock acts: the model's reactions. */
  onCall: ((call: HookCall) => void) | undefined = undefined;
  /** Runs when a hook call settles. */
  onSettled: ((call: HookCall, ok: boolean) => void) | undefined = undefined;
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
    const name = this.#name(endpoint);
    const signal = context?.signal;
    const call = this.#start('create', name, undefined, signal, () => {
      this.#count(name, 1);
      signal?.addEventListener(
        'abort',
        () => {
          if (call.settled || call.abandoned) return;
          call.abandoned = true;
          this.#count(name, -1);
        },
        { once: true },
      );
    });
    return this.#run(
      call,
      () => super.create(name, context),
      (conn) => {
        if (!call.abandoned) this.#count(name, -1);
        if (conn === undefined) return;
        this.createdAt.set(conn, performance.now());
        if (call.abandoned) this.late.add(conn);
      },
    );
  }

  override dispose(
    endpoint: Endpoint,
    connection: Conn,
    context?: { signal: AbortSignal },
  ): void | Promise<void> {
    const call = this.#start('dispose', this.#name(endpoint), connection, context?.signal, (c) => {
      this.disposedSet.add(connection);
      this.disposals.set(connection, c);
    });
    return this.#run(call, () => super.dispose(call.endpoint, connection, context));
  }

  override checkAliveness(
    endpoint: Endpoint,
    connection: Conn,
    context?: { signal: AbortSignal },
  ): boolean | Promise<boolean> {
    const call = this.#start('checkAliveness', this.#name(endpoint), connection, context?.signal);
    return this.#run(call, () => super.checkAliveness(call.endpoint, connection, context));
  }

  override onAcquire(endpoint: Endpoint, connection: Conn): void | Promise<void> {
    const call = this.#start('onAcquire', this.#name(endpoint), connection, undefined);
    return this.#run(call, () => super.onAcquire(call.endpoint, connection));
  }

  override onRelease(endpoint: Endpoint, connection: Conn): void | Promise<void> {
    const call = this.#start('onRelease', this.#name(endpoint), connection, undefined);
    return this.#run(call, () => super.onRelease(call.endpoint, connection));
  }

  /** `onConnectionDead` calls so far, by endpoint. */
  readonly deadCalls = new Map<Endpoint, number>();

  override onConnectionDead(endpoint: Endpoint, connection: Conn): void | Promise<void> {
    const call = this.#start('onConnectionDead', this.#name(endpoint), connection, undefined);
    this.deadCalls.set(call.endpoint, (this.deadCalls.get(call.endpoint) ?? 0) + 1);
    return this.#run(call, () => super.onConnectionDead(call.endpoint, connection));
  }

  /** Connections of `endpoint` in a running check, `onAcquire` or `onRelease`. */
  busy(endpoint?: Endpoint): Set<Conn> {
    const set = new Set<Conn>();
    for (const call of this.running) {
      if (endpoint !== undefined && call.endpoint !== endpoint) continue;
      if (call.connection !== undefined && PREPARING_HOOKS.has(call.hook)) set.add(call.connection);
    }
    return set;
  }

  /**
   * Running checks, `onAcquire` and `onConnectionDead` calls of `endpoint`: each may be an
   * acquirer busy with a connection, not waiting in the queue (or a keepalive check).
   */
  serving(endpoint?: Endpoint): number {
    let n = 0;
    for (const call of this.running) {
      if (endpoint !== undefined && call.endpoint !== endpoint) continue;
      if (SERVING_HOOKS.has(call.hook)) n++;
    }
    return n;
  }

  /** Running creates of `endpoint` whose signal aborted: the pool may still count them or not. */
  abandoned(endpoint?: Endpoint): number {
    let n = 0;
    for (const call of this.running)
      if (call.abandoned && (endpoint === undefined || call.endpoint === endpoint)) n++;
    return n;
  }

  /** Whether the dispose of `conn` has settled or been given up (its signal aborted). */
  disposeDone(conn: Conn): boolean {
    const call = this.disposals.get(conn);
    return call !== undefined && (call.settled || call.signal?.aborted === true);
  }

  #name(endpoint: unknown): Endpoint {
    const name = canon(endpoint);
    if (name !== undefined) return name;
    this.strangers.push(`the manager got the endpoint ${String(endpoint)}`);
    return 'a';
  }

  /** Records a call; `prepare` runs before the reactions (which may call back into the pool). */
  #start(
    hook: MockHook,
    endpoint: Endpoint,
    connection: Conn | undefined,
    signal: AbortSignal | undefined,
    prepare?: (call: HookCall) => void,
  ): HookCall {
    const call: HookCall = { hook, endpoint, connection, signal, settled: false, abandoned: false };
    this.running.add(call);
    prepare?.(call);
    this.onCall?.(call);
    return call;
  }

  /** Runs the mock's hook, and `done` (with the create's connection) then `#end` as it settles. */
  #run<T>(call: HookCall, run: () => T | Promise<T>, done?: (value: T | undefined) => void) {
    let result: T | Promise<T>;
    try {
      result = run();
    } catch (error) {
      done?.(undefined);
      this.#end(call, false);
      throw error;
    }
    if (!(result instanceof Promise)) {
      done?.(result);
      this.#end(call, true);
      return result;
    }
    // Attached before the pool's handlers, so the records are right when the pool sees the result.
    result.then(
      (value) => {
        done?.(value);
        this.#end(call, true);
      },
      () => {
        done?.(undefined);
        this.#end(call, false);
      },
    );
    return result;
  }

  #end(call: HookCall, ok: boolean): void {
    call.settled = true;
    this.running.delete(call);
    this.onSettled?.(call, ok);
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
  /** Whether a `leak` event reported this acquisition. */
  leaked: boolean;
  /**
   * It started from a listener or hook, or while an acquirer of its endpoint may have been busy
   * with a connection (a check, onAcquire): in the middle of another acquirer's step, which is not
   * waiting in the queue then. It may take an idle connection before that one (rule 5), and its
   * create may serve that one and leave it waiting (beyond maxWaiters, README: one that can start
   * a create is never refused).
   */
  readonly mayOvertake: boolean;
  /** `onConnectionDead` calls of its endpoint when it started (see `#fulfilled`). */
  readonly deadCallsAtStart: number;
}

/** A `release` or `discard` the model made, for the checks of the step that made it. */
export interface GiveBack {
  readonly conn: Conn;
  /** close({ timeout }) disposed it while held: giving it back is a no-op. */
  readonly forced: boolean;
  /** Closed, past its lifetime, at maxUses or its budget slot lost: disposed at release. */
  readonly gone: boolean;
  /** So near the end of its (jittered) lifetime that the model cannot tell. */
  readonly maybeGone: boolean;
  /** The oldest waiter of its endpoint when it was given back. */
  readonly oldest: AcquireRecord | undefined;
  /** How the release or discard settled; undefined while it runs. */
  settled: 'fulfilled' | 'rejected' | undefined;
}

/** A promise of release, discard, prewarm or close: each must settle by the end. */
interface Other {
  readonly what: string;
  settled: boolean;
  /** It may stay pending: a close without timeout behind a hook that ignores its abort. */
  readonly mayHang: () => boolean;
}

/** The model: what the test knows, stepped beside the real pool. */
export class PoolModel {
  readonly config: ModelConfig;
  readonly pool: ConnectionPool<unknown, Conn>;
  readonly mock: CountingManager;
  readonly acquires: AcquireRecord[] = [];
  /** Connections the test holds, and the acquire that got each. */
  readonly held = new Map<Conn, AcquireRecord>();
  /** Connections `close({ timeout })` disposed while held: giving them back is a no-op. */
  readonly forced = new Set<Conn>();
  /** When each connection was last released (or made): its idle time counts from there. */
  readonly releasedAt = new Map<Conn, number>();
  readonly others: Other[] = [];
  /** Invariant violations seen inside promise handlers, hooks or events, reported at the next check. */
  readonly violations: string[];
  /** The run's connection budget, if it has one. */
  readonly budget: BudgetModel | undefined;
  /** Per endpoint, the highest `seq` of a fulfilled acquire. */
  readonly lastServed = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
  /** How many times each connection was handed out. */
  readonly uses = new Map<Conn, number>();
  /** Endpoints where a create has failed: they may back off (createRetryDelay). */
  readonly failedEndpoints = new Set<Endpoint>();
  /** Endpoints whose last create failed: after the backoff they create one at a time (a probe). */
  readonly probing = new Set<Endpoint>();
  /**
   * Per endpoint, the connections found dead and the claims the budget refused since it last had
   * no acquirer pending: each may have sent an acquirer that maxWaiters let in back to queue, where
   * maxWaiters does not refuse it (README).
   */
  readonly #sentBack = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
  /**
   * Idle connections that are persistent for certain (rule 2): released when their endpoint had
   * no other connection, nothing else happening there until the release resolved.
   */
  readonly persistent = new Set<Conn>();
  /** Connections whose `onRelease` failed: checked before anyone gets them (README, contrib/pg). */
  readonly mustCheck = new Set<Conn>();
  /** Why each connection was disposed, and at which event count. */
  readonly disposeReasons = new Map<Conn, { reason: DisposeReason; at: number }>();
  /** Connections given back whose release or discard has not settled. */
  readonly givingBack = new Set<Conn>();
  /**
   * Connections given back that an acquirer took (a check or onAcquire began) before the release
   * settled: the release was done with them, whatever that acquirer's hooks then did.
   */
  readonly takenWhileGivenBack = new Set<Conn>();
  closing: Promise<void> | undefined = undefined;
  /** The timeout of the first `close`. */
  closeTimeout: number | undefined = undefined;
  /** A hook was told to hang and ignore its abort signal: a close without timeout may wait for it. */
  deafHang = false;
  /** Failures the pool handled: failed or timed-out creates and disposals, dead connections,
   * failing hooks, aborts and acquire timeouts. */
  faults = 0;
  /** How many reactions (listeners and hooks calling back, reactions.ts) are running. */
  reacting = 0;
  /** Events seen so far. */
  events = 0;
  /** Errors of failed creates (including createTimeout), which go to the head waiter (rule 9). */
  readonly #createErrors = new Set<unknown>();
  /** Per endpoint, a count of everything that may change its idle classes (see `persistent`). */
  readonly #activity = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
  /** When each connection was last taken for a check or onAcquire. */
  readonly #takenAt = new Map<Conn, number>();
  #seq = 0;

  constructor(
    config: ModelConfig,
    pool: ConnectionPool<unknown, Conn>,
    mock: CountingManager,
    instantViolations: string[],
    budget?: BudgetModel,
  ) {
    this.config = config;
    this.budget = budget;
    this.pool = pool;
    this.mock = mock;
    this.violations = instantViolations;
    pool.on('createError', ({ endpoint, error }) => {
      const name = canon(endpoint)!;
      this.#createErrors.add(error);
      this.failedEndpoints.add(name);
      this.probing.add(name);
      this.budget?.budget.probeFailed(name);
      this.faults++;
    });
    pool.on('create', ({ endpoint }) => this.probing.delete(canon(endpoint)!));
    pool.on('disposeError', () => this.faults++);
    pool.on('dead', ({ endpoint }) => {
      this.#sendBack(canon(endpoint)!);
      this.faults++;
    });
    if (budget !== undefined) budget.budget.onRefused = (endpoint) => this.#sendBack(endpoint);
    pool.on('dispose', ({ connection, reason }) => this.#disposed(connection, reason));
    pool.on('leak', ({ connection, heldMs, stack }) => this.#leak(connection, heldMs, stack));
    mock.onCall = (call) => this.#called(call);
    mock.onSettled = (call, ok) => {
      // The pool goes on with a release when onRelease settles: its idle time counts from there.
      if (call.hook === 'onRelease') {
        this.releasedAt.set(call.connection!, performance.now());
        if (!ok) this.mustCheck.add(call.connection!);
      }
      // A check that failed or was given up returns its connection unused: its class may change.
      if (call.hook === 'checkAliveness' && (!ok || call.signal?.aborted === true))
        this.persistent.delete(call.connection!);
    };
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

  /** Live connections not held by the test, in a check, `onAcquire` or `onRelease`. */
  preparing(endpoint?: Endpoint): Conn[] {
    return [...this.mock.busy(endpoint)].filter(
      (c) => !this.held.has(c) && !this.mock.disposedSet.has(c) && this.mock.createdAt.has(c),
    );
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
      leaked: false,
      mayOvertake: this.reacting > 0 || this.mock.serving(endpoint) > 0,
      deadCallsAtStart: this.mock.deadCalls.get(endpoint) ?? 0,
    };
    this.acquires.push(record);
    this.#touch(endpoint);
    const options: { timeout?: number; signal?: AbortSignal } = {};
    if (timeout !== undefined) options.timeout = timeout;
    if (controller !== undefined) options.signal = controller.signal;
    this.pool.acquire(alias(endpoint, record.seq), options).then(
      (conn) => this.#fulfilled(record, conn),
      (reason: unknown) => this.#rejected(record, reason),
    );
    return record;
  }

  /**
   * Calls `acquire` with an endpoint rule 1 cannot key: it must reject with a TypeError (or, once
   * closed, ConnectionPoolClosedError) and change nothing, not even for an instant.
   */
  acquireInvalid(label: string, endpoint: unknown): void {
    const before = { stats: this.pool.stats(), calls: this.mock.calls.length };
    let promise: Promise<Conn>;
    try {
      promise = this.pool.acquire(endpoint);
    } catch (error) {
      this.violations.push(`acquire(${label}) threw synchronously: ${String(error)}`);
      return;
    }
    const after = { stats: this.pool.stats(), calls: this.mock.calls.length };
    try {
      assert.deepEqual(after, before);
    } catch {
      this.violations.push(`acquire(${label}) changed the pool`);
    }
    const closed = this.pool.closed;
    this.expectSettles(
      `acquire(${label})`,
      promise.then(() => {
        this.violations.push(`acquire(${label}) was served`);
      }),
      (r) => r instanceof TypeError || (closed && r instanceof ConnectionPoolClosedError),
    );
  }

  /** Gives back the `n`-th held connection (release or discard); undefined when none is held. */
  giveBack(n: number, verb: 'release' | 'discard'): GiveBack | undefined {
    const conn = pick([...this.held.keys()], n);
    if (conn === undefined) return undefined;
    const { pool, mock, config } = this;
    this.held.delete(conn);
    const endpoint = conn.endpoint;
    const forced = mock.disposedSet.has(conn);
    const t = performance.now();
    const createdAt = mock.createdAt.get(conn)!;
    const back: GiveBack = {
      conn,
      forced,
      gone:
        pool.closed ||
        t >= createdAt + config.maxLifetime ||
        this.uses.get(conn)! >= config.maxUses ||
        this.budget?.lost.has(conn) === true,
      // maxLifetimeJitter shortens a lifetime by an unknown part: near its end the model cannot tell.
      maybeGone:
        t >= createdAt + Math.floor(config.maxLifetime * (1 - config.maxLifetimeJitter)) - 1,
      // Unless an acquirer is busy with a connection (it may be that oldest, out of the queue).
      oldest: mock.serving(endpoint) === 0 ? this.pending(endpoint)[0] : undefined,
      settled: undefined,
    };
    if (forced) {
      this.forced.add(conn);
      this.expectSettles(`${verb} of force-disposed ${conn.id}`, pool[verb](conn), () => false);
      back.settled = 'fulfilled';
      return back;
    }
    if (verb === 'release') this.releasedAt.set(conn, t);
    // Rule 2: persistent if nothing else of its endpoint is idle, acquired or coming.
    const alone =
      verb === 'release' && this.#classBound(endpoint) && this.pending(endpoint).length === 0;
    this.#touch(endpoint);
    const activity = this.#activity.get(endpoint)!;
    const events = this.events;
    const uses = this.uses.get(conn);
    this.givingBack.add(conn);
    const what = `${verb}(${conn.id})`;
    this.expectSettles(
      what,
      pool[verb](conn),
      (r) => verb === 'release' && r instanceof InjectedError && r.hook === 'onRelease',
      (ok) => {
        back.settled = ok ? 'fulfilled' : 'rejected';
        this.givingBack.delete(conn);
        const handedOn = this.takenWhileGivenBack.delete(conn);
        if (!ok) return;
        // With a budget, dispose starts once the slot is given back: after its event, a tick on.
        const disposing =
          mock.disposedSet.has(conn) ||
          (this.budget !== undefined && this.disposeReasons.has(conn));
        if (back.gone && !disposing)
          this.violations.push(`${what} resolved: past its lifetime or closed, yet not disposed`);
        // README: release and discard resolve once the pool is done with the connection.
        const disposal = this.disposeReasons.get(conn);
        const awaited =
          !handedOn &&
          disposal !== undefined &&
          this.uses.get(conn) === uses &&
          disposal.at > events &&
          (AWAITED_REASONS.has(disposal.reason) ||
            // Not when close({ timeout }) took it while onRelease ran: then release is a no-op.
            (back.gone && disposal.reason === 'closed' && this.closeTimeout === undefined));
        if (awaited && !mock.disposeDone(conn))
          this.violations.push(`${what} resolved before its dispose (${disposal.reason}) settled`);
        if (verb === 'discard' && disposal === undefined)
          this.violations.push(`${what} resolved, and the connection was not disposed`);
        if (
          alone &&
          this.#activity.get(endpoint) === activity &&
          this.#classBound(endpoint) &&
          !this.held.has(conn) &&
          !mock.disposedSet.has(conn) &&
          !this.mock.busy().has(conn)
        )
          this.persistent.add(conn);
      },
    );
    return back;
  }

  /** Calls `prewarm`, which may fail only as a create does, or when closed or backing off. */
  prewarm(endpoint: Endpoint, count: number): void {
    this.#touch(endpoint);
    this.expectSettles(
      `prewarm(${endpoint}, ${count})`,
      this.pool.prewarm(alias(endpoint, this.#seq), count),
      (r) =>
        this.#createErrors.has(r) ||
        (r instanceof ConnectionPoolClosedError && this.pool.closed) ||
        (r instanceof EndpointUnavailableError && this.failedEndpoints.has(endpoint)),
    );
  }

  /**
   * Calls `close`; checks when it resolves that every connection made so far was disposed and,
   * unless its timeout ran out first, that every dispose has settled (rule 12).
   */
  close(timeout: number | undefined): Promise<void> {
    const promise = this.pool.close(timeout === undefined ? undefined : { timeout });
    if (this.closing !== undefined) {
      if (promise !== this.closing) this.violations.push('close again returned another promise');
      return promise;
    }
    this.closing = promise;
    this.closeTimeout = timeout;
    for (const conn of this.persistent) this.persistent.delete(conn);
    const startedAt = performance.now();
    this.expectSettles(
      `close(timeout ${timeout})`,
      promise,
      () => false,
      (ok) => {
        if (!ok) return;
        const early = timeout === undefined || performance.now() < startedAt + timeout;
        for (const conn of this.mock.createdAt.keys()) {
          if (!this.mock.disposedSet.has(conn))
            this.violations.push(`close resolved, connection ${conn.id} not disposed`);
          else if (early && !this.mock.disposeDone(conn))
            this.violations.push(`close resolved before the dispose of ${conn.id} settled`);
        }
      },
      () => timeout === undefined && this.deafHang,
    );
    return promise;
  }

  /** Tracks a promise that must settle by the end, with what it may reject with. */
  expectSettles(
    what: string,
    promise: Promise<void>,
    mayReject: (reason: unknown) => boolean,
    then?: (ok: boolean) => void,
    mayHang: () => boolean = () => false,
  ): void {
    const entry: Other = { what, settled: false, mayHang };
    this.others.push(entry);
    promise.then(
      () => {
        entry.settled = true;
        then?.(true);
      },
      (reason: unknown) => {
        entry.settled = true;
        if (reason instanceof InjectedError) this.faults++;
        if (!mayReject(reason)) this.violations.push(`${what} rejected with ${String(reason)}`);
        then?.(false);
      },
    );
  }

  /** Whether the idle and acquired connections of `endpoint`, but one, are fewer than minIdle. */
  #classBound(endpoint: Endpoint): boolean {
    const e = alias(endpoint);
    const others = this.pool.getEndpointPoolSize(e) - 1;
    return others < this.config.minIdle && this.mock.creating.get(endpoint) === 0;
  }

  #touch(endpoint: Endpoint): void {
    this.#activity.set(endpoint, this.#activity.get(endpoint)! + 1);
  }

  #called(call: HookCall): void {
    const conn = call.connection;
    if (call.hook !== 'dispose' && call.hook !== 'onRelease') this.#touch(call.endpoint);
    if (conn === undefined) return;
    if (call.hook === 'onAcquire') this.persistent.delete(conn);
    if (call.hook === 'checkAliveness') this.mustCheck.delete(conn);
    if (call.hook === 'checkAliveness' || call.hook === 'onAcquire') {
      if (this.givingBack.has(conn)) this.takenWhileGivenBack.add(conn);
      // Its idle time ends when it is first taken for a check or onAcquire (see #fulfilled).
      const idleSince = this.releasedAt.get(conn) ?? this.mock.createdAt.get(conn) ?? 0;
      const taken = this.#takenAt.get(conn);
      if (taken === undefined || taken < idleSince) this.#takenAt.set(conn, performance.now());
    }
  }

  #disposed(connection: Conn, reason: DisposeReason): void {
    this.events++;
    this.disposeReasons.set(connection, { reason, at: this.events });
    this.mustCheck.delete(connection);
    // Rule 2: a persistent connection expires only at maxLifetime (a keepalive check is no use).
    if (reason === 'idle' && this.persistent.has(connection))
      this.violations.push(`persistent ${connection.id} disposed as 'idle'`);
    this.persistent.delete(connection);
  }

  #leak(conn: Conn, heldMs: number, stack: string): void {
    const t = performance.now();
    const record = this.held.get(conn);
    const what = `leak event of ${conn.id} at ${t}`;
    const threshold = this.config.leakDetectionThreshold;
    if (threshold === 0) this.violations.push(`${what} with leak detection off`);
    if (record === undefined) {
      if (!this.givingBack.has(conn)) this.violations.push(`${what}, not acquired`);
      return;
    }
    if (record.leaked) this.violations.push(`${what}: a second one for acquire #${record.seq}`);
    record.leaked = true;
    if (heldMs < threshold || t < record.startedAt + threshold)
      this.violations.push(`${what}: held ${heldMs} ms, acquired from ${record.startedAt}`);
    if (typeof stack !== 'string') this.violations.push(`${what} without a stack`);
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
    if (this.mustCheck.has(conn))
      this.violations.push(`${what} unchecked, though its onRelease failed`);
    const createdAt = this.mock.createdAt.get(conn);
    if (createdAt === undefined) this.violations.push(`${what}, never created`);
    else if (t >= createdAt + this.config.maxLifetime)
      this.violations.push(`${what} at ${t}, past maxLifetime (made at ${createdAt})`);
    // With minIdle 0 every idle connection is extra: idle for idleTimeout means expired (rule 10).
    // Its idle time ends when it was taken for a check or onAcquire (the first call since).
    const idleSince = this.releasedAt.get(conn) ?? createdAt ?? t;
    const takenAt = this.#takenAt.get(conn) ?? t;
    if (
      this.config.minIdle === 0 &&
      takenAt > idleSince &&
      takenAt >= idleSince + this.config.idleTimeout
    )
      this.violations.push(
        `${what} at ${t}, idle from ${idleSince} to ${takenAt}: past idleTimeout`,
      );
    this.#takenAt.delete(conn);
    const uses = (this.uses.get(conn) ?? 0) + 1;
    this.uses.set(conn, uses);
    if (uses > this.config.maxUses) this.violations.push(`${what}, use ${uses} > maxUses`);
    // Rule 5 (README: a finished create serves the oldest waiter): a fresh connection goes to
    // nobody while an older acquirer of its endpoint waits, unless that one may be busy with a
    // connection of its own (a check, onAcquire). (An idle one may go to a newcomer that came
    // while the older acquirer was busy.)
    const older = this.pending(record.endpoint).find((a) => a.seq < record.seq);
    const fresh = !this.uses.has(conn);
    if (
      fresh &&
      older !== undefined &&
      this.mock.serving(record.endpoint) === 0 &&
      !this.pool.closed
    )
      this.violations.push(`${what}, a fresh one, while the older #${older.seq} waits`);
    this.held.set(conn, record);
    this.persistent.delete(conn);
    // The quiet-point check of rule 5 counts this one as served past every older acquirer, but
    // where an older one may be busy with a connection of its own that it can still lose (its
    // lifetime ending in onAcquire sends it back to wait).
    const served = this.lastServed.get(record.endpoint)!;
    // An older acquirer that found its connection dead is out of line until its onConnectionDead
    // is done (README): a connection freed meanwhile went to the oldest one in line, even if that
    // hook is over by the time this one has it.
    const mayBeBusy =
      older !== undefined &&
      (this.mock.serving(record.endpoint) > 0 ||
        (this.mock.deadCalls.get(record.endpoint) ?? 0) > record.deadCallsAtStart);
    if (record.seq > served && !record.mayOvertake && !mayBeBusy)
      this.lastServed.set(record.endpoint, record.seq);
  }

  #rejected(record: AcquireRecord, reason: unknown): void {
    const t = performance.now();
    record.state = 'rejected';
    record.reason = reason;
    // Its check may be left to finish: the connection returns unused (its class may change).
    for (const conn of this.mock.busy(record.endpoint)) this.persistent.delete(conn);
    const what = `acquire #${record.seq} (${record.endpoint}, timeout ${record.timeout}) rejected at ${t}`;
    if (this.#createErrors.has(reason)) return;
    this.faults++;
    if (reason instanceof ConnectionPoolTimeoutError) {
      const early = record.timeout !== 0 && t < record.startedAt + record.timeout;
      const late = t > record.startedAt + (record.timeout || this.config.createTimeout);
      if (early || late)
        this.violations.push(`${what}, started at ${record.startedAt}: ${String(reason)}`);
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
    assert.deepEqual([...this.violations, ...this.mock.strangers], [], where);
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
      const busy = this.preparing(endpoint).length;
      const held = heldBy.get(endpoint)! + busy;
      const creating = this.mock.creating.get(endpoint)!;
      const idle = live.length - held;
      // Rule 13: exact sizes (README: connections being checked or in a hook count as acquired).
      // A create whose signal aborted may be counted until it settles, or not.
      const actual = sizes(pool, alias(endpoint));
      const counted = actual.all - live.length - creating;
      const abandoned = this.mock.abandoned(endpoint);
      assert.deepEqual(
        { ...actual, all: counted >= 0 && counted <= abandoned ? 'exact' : actual.all },
        { all: 'exact', acquired: held, idle },
        `${where}: sizes of ${endpoint}${abandoned === 0 ? '' : ` (+ up to ${abandoned} abandoned creates)`}`,
      );
      total += actual.all;
      totalIdle += idle;
      const pending = this.pending(endpoint);
      // Rule 5: nobody served before an older acquirer of the same endpoint that still waits
      // (unless that one is busy with a connection, a check or onAcquire).
      const oldest = pending[0];
      const serving = this.mock.serving(endpoint);
      if (oldest !== undefined && serving === 0) {
        assert.ok(
          this.lastServed.get(endpoint)! < oldest.seq,
          `${where}: acquire #${this.lastServed.get(endpoint)} of ${endpoint} served before #${oldest.seq}, which still waits`,
        );
      }
      // Acquirers busy with a connection are not waiting.
      const waiting = pending.length - serving;
      // maxWaiters (§7) bounds the waiters no create in flight will serve, but for acquirers
      // back from a dead connection or a refused budget claim.
      if (pending.length === 0) this.#sentBack.set(endpoint, 0);
      const overtaking = pending.filter((a) => a.mayOvertake).length;
      const sentBack = this.#sentBack.get(endpoint)!;
      assert.ok(
        waiting - overtaking - creating - sentBack <= config.maxWaiters,
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
      if (waiting > 0)
        assert.equal(idle, 0, `${where}: ${endpoint} has waiters and idle connections`);
      if (this.#blocked(endpoint)) {
        // SPEC §9: or for budget, as for total capacity (with room back, until the next probe).
        const forBudget = this.budget?.mayWait(endpoint, t) === true;
        assert.ok(
          pool.size === config.totalMaxSize || forBudget,
          `${where}: ${endpoint} waits below every limit (size ${pool.size})`,
        );
        // Before waiting for budget, its own idle connections of the same scope are evicted.
        if (forBudget && this.budget!.refusedLast(endpoint))
          for (const mate of this.budget!.scopeMates(endpoint)) {
            const idleMates = this.live(mate).filter((c) => !this.#inUse(c));
            assert.deepEqual(
              idleMates.map((c) => c.id),
              [],
              `${where}: ${endpoint} waits for budget while ${mate} has idle connections`,
            );
          }
      }
      // Rule 10: with the background collector no expired connection stays idle.
      if (config.backgroundCollector) {
        const busyNow = this.mock.busy(endpoint);
        for (const conn of live) {
          if (this.held.has(conn) || busyNow.has(conn)) continue;
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
    this.#checkBudget(where);
    this.#checkStats(where, totalIdle);
    // Rule 4: a waiter for total capacity gets any idle connection anywhere, by eviction.
    // (One that waits for budget may not: the budget would refuse it that room.)
    const forTotal = (e: Endpoint) => this.#blocked(e) && this.budget?.mayWait(e, t) !== true;
    if (pool.size === config.totalMaxSize && ENDPOINTS.some(forTotal))
      assert.equal(totalIdle, 0, `${where}: waiters for total capacity and idle connections`);
    // Rule 12: close rejects the waiting acquires at once; one busy in a hook, when it ends.
    if (pool.closed)
      assert.ok(
        this.pending().length <= this.mock.serving(),
        `${where}: ${this.pending().length} acquires pending after close`,
      );
  }

  #sendBack(endpoint: Endpoint): void {
    this.#sentBack.set(endpoint, this.#sentBack.get(endpoint)! + 1);
  }

  /** Whether `conn` is held, being given back, or in a check or hook. */
  #inUse(conn: Conn): boolean {
    return this.held.has(conn) || this.givingBack.has(conn) || this.mock.busy().has(conn);
  }

  /**
   * SPEC §9 at a quiet point: no scope's slots held past its limit; every connection made holds
   * a slot until its dispose starts, but one whose slot was lost (retired: never idle) and one
   * delivered after its create was given up; stats() shows each endpoint's limit.
   */
  #checkBudget(where: string): void {
    const budget = this.budget;
    if (budget === undefined) return;
    const { limit } = budget.config;
    const holding = new Set<Conn>();
    for (const endpoint of ENDPOINTS) {
      const holders = budget.holders(endpoint);
      assert.ok(
        holders.size <= limit,
        `${where}: ${holders.size} slots held in the scope of ${endpoint}, limit ${limit}`,
      );
      for (const conn of holders) holding.add(conn);
    }
    for (const conn of this.mock.createdAt.keys()) {
      const what = `${where}: connection ${conn.id}`;
      if (this.mock.disposedSet.has(conn)) {
        assert.ok(!holding.has(conn), `${what} disposed, and its slot never released`);
        continue;
      }
      if (this.mock.late.has(conn)) continue;
      if (budget.lost.has(conn))
        assert.ok(this.#inUse(conn), `${what} idle after its slot was lost`);
      else assert.ok(holding.has(conn), `${what} is open without a slot`);
    }
    for (const stats of this.pool.stats().endpoints) {
      const name = canon(stats.endpoint) ?? String(stats.endpoint);
      assert.equal(stats.budget?.limit, limit, `${where}: stats() budget limit of ${name}`);
    }
  }

  /**
   * Whether `endpoint` has waiters that no create serves, below its maxSize, and not behind the
   * one create of a probe or a budget.
   */
  #blocked(endpoint: Endpoint): boolean {
    const creating = this.mock.creating.get(endpoint)!;
    // After failed creates, and always with a budget, an endpoint creates one at a time.
    if (creating > 0 && (this.probing.has(endpoint) || this.budget !== undefined)) return false;
    const waiting = this.pending(endpoint).length - this.mock.serving(endpoint);
    return (
      waiting > creating && this.pool.getEndpointPoolSize(alias(endpoint)) < this.config.maxSize
    );
  }

  /** `stats()` (§7) agrees with the model. */
  #checkStats(where: string, idle: number): void {
    const stats = this.pool.stats();
    let creating = 0;
    for (const n of this.mock.creating.values()) creating += n;
    const pending = this.pending().length;
    const late = this.mock.late.size;
    const lateDisposed = [...this.mock.late].filter((c) => this.mock.disposedSet.has(c)).length;
    // Connections the budget refused a slot are disposed without counting as created (SPEC §9).
    const refused = this.budget?.refused ?? 0;
    assert.deepEqual(
      {
        size: stats.size,
        idle: stats.idle,
        acquired: stats.acquired,
        creating: within(stats.creating, creating + this.mock.abandoned(), this.mock.abandoned()),
        // Acquirers busy with a connection may or may not count as waiting.
        waiting: stats.waiting >= pending - this.mock.serving() && stats.waiting <= pending,
        // A connection delivered after its create's signal aborted may count in neither (README:
        // a create past createTimeout failed; what it delivers later is disposed).
        created: within(stats.totals.created, this.mock.createdAt.size - refused, late),
        disposed: within(stats.totals.disposed, this.mock.disposedSet.size - refused, lateDisposed),
        acquires: stats.totals.acquires,
      },
      {
        size: this.pool.size,
        idle,
        acquired: this.pool.size - idle - stats.creating,
        creating: true,
        waiting: true,
        created: true,
        disposed: true,
        acquires: this.acquires.filter((a) => a.state === 'fulfilled').length,
      },
      `${where}: stats()`,
    );
  }
}

/** Whether `count` is `all` less at most `uncertain`. */
function within(count: number, all: number, uncertain: number): boolean {
  return count <= all && count >= all - uncertain;
}

/** The `n`-th item of `list`, wrapping around; undefined when it is empty. */
export function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}
