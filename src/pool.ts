import { EndpointPool } from './endpoint-pool.ts';
import { ConnectionNotAcquiredError, ConnectionPoolClosedError } from './errors.ts';
import { type DisposeReason, EventHub, type PoolEventListener, type PoolEvents } from './events.ts';
import { AcquirePipeline, type PipelineHost } from './internal/acquire-pipeline.ts';
import { Capacity, type PendingCreate } from './internal/capacity.ts';
import type { ConnectionRecord } from './internal/connection-record.ts';
import { CreateBackoff } from './internal/create-backoff.ts';
import { Creator } from './internal/creator.ts';
import { Disposer } from './internal/disposer.ts';
import { defaultEndpointKey } from './internal/endpoint-key.ts';
import { ExpiryCollector } from './internal/expiry-collector.ts';
import { isThenable } from './internal/is-thenable.ts';
import { KeepAliveSweeper } from './internal/keep-alive-sweeper.ts';
import { LeakDetector } from './internal/leak-detector.ts';
import { Ledger } from './internal/ledger.ts';
import { Outbox } from './internal/outbox.ts';
import { expiryReason } from './internal/placement.ts';
import { show } from './internal/show.ts';
import { now, startTimer, type TimerHandle } from './internal/timers.ts';
import { type Lease, PoolLease } from './lease.ts';
import type { ConnectionManager } from './manager.ts';
import {
  checkAcquireOptions,
  checkCount,
  checkDuration,
  type PoolOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.ts';
import { newTotals, type PoolStats } from './stats.ts';

/** Options of one `acquire`, `connection` or `lease` call. */
export interface AcquireOptions {
  /**
   * Milliseconds the whole acquire may take (queueing, creating, checking); `Infinity` waits
   * forever; `0` never queues behind anyone. Defaults to the pool's `acquireTimeout`.
   */
  timeout?: number | undefined;
  /** Aborting it rejects the acquire at once with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** Options of `close`. */
export interface CloseOptions {
  /**
   * Milliseconds to wait for acquired connections to be released; then they are disposed anyway.
   * Defaults to waiting for as long as it takes.
   */
  timeout?: number | undefined;
}

type Rec<E, C> = ConnectionRecord<E, C>;

const RESOLVED: Promise<void> = Promise.resolve();

const MANAGER_METHODS = ['create', 'dispose'] as const;

/**
 * A keyed pool of connections of type `C` to endpoints of type `E`, opened and closed by a
 * {@link ConnectionManager}. Each endpoint holds at most `maxSize` connections and all together at
 * most `totalMaxSize`; idle connections are reused, expired by `idleTimeout` and `maxLifetime`, and
 * evicted from one endpoint when another needs room under the total limit.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool(new TcpManager(), { maxSize: 4, totalMaxSize: 16 });
 * const reply = await pool.connection(['127.0.0.1', 7000], (socket) => request(socket, 'ping'));
 * await pool.close();
 * ```
 */
export class ConnectionPool<E, C> {
  readonly #manager: ConnectionManager<E, C>;
  readonly #options: ResolvedOptions<E>;
  readonly #keyOf: (endpoint: E) => string | number;
  readonly #endpoints = new Map<string | number, EndpointPool<E, C>>();
  readonly #events = new EventHub<E, C>();
  readonly #totals = newTotals();
  /** User code (listeners, hooks) runs through it, where the state is consistent. */
  readonly #outbox = new Outbox();
  /** Idle connections of every endpoint by expiry, disposed when they expire. */
  readonly #expiry: ExpiryCollector<E, C>;
  /** Which state each connection is in, with the lists and counts that go with it. */
  readonly #ledger: Ledger<E, C>;
  /** The ledger's map of records, by connection. */
  readonly #records: Map<C, Rec<E, C>>;
  /** The limits, eviction and minIdle refills: every create starts there. */
  readonly #capacity: Capacity<E, C>;
  /** The steps of an acquire, and where a connection goes back. */
  readonly #pipeline: AcquirePipeline<E, C>;
  /** With keepalive (and `checkAliveness`): sweeps of idle connections. */
  readonly #keepAlive: KeepAliveSweeper<E, C> | null;
  /** With leak detection: connections held too long. */
  readonly #leaks: LeakDetector<E, C> | null;
  /** Waits of endpoints whose creates fail. */
  readonly #backoff: CreateBackoff<E, C>;
  /** Runs `create` and `dispose` calls; `close` waits for what the disposer counts. */
  readonly #creator: Creator<E, C, PendingCreate<E, C>>;
  readonly #disposer: Disposer<E, C>;
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  #closeDone: (() => void) | undefined = undefined;
  #closeTimer: TimerHandle | undefined = undefined;
  /** Connections that `close({ timeout })` disposed while acquired: releasing them is a no-op. */
  #forced: Set<C> | undefined = undefined;

  /**
   * @param manager opens, checks and closes the connections.
   * @param options limits and timeouts; see {@link PoolOptions}.
   * @throws TypeError or RangeError naming the option and the value when an option is invalid,
   *   or naming what `manager` lacks.
   */
  constructor(manager: ConnectionManager<E, C>, options?: PoolOptions<E>) {
    checkManager(manager);
    this.#manager = manager;
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.#keyOf = resolved.endpointKey ?? defaultEndpointKey;
    const outbox = this.#outbox;
    this.#expiry = new ExpiryCollector(
      resolved.backgroundCollector,
      resolved.disposeBatchSize,
      (record) => this.#operation(this.#expire, record),
    );
    this.#ledger = new Ledger(this.#expiry, this.#totals);
    this.#records = this.#ledger.records;
    this.#keepAlive =
      resolved.keepAliveInterval > 0 && manager.checkAliveness !== undefined
        ? new KeepAliveSweeper(resolved.keepAliveInterval, this.#endpoints, this.#expiry, (r, t) =>
            this.#operation(this.#pipelineKeepAlive, r, t),
          )
        : null;
    this.#leaks =
      resolved.leakDetectionThreshold > 0
        ? new LeakDetector(resolved.leakDetectionThreshold, this.#events)
        : null;
    this.#ledger.attach(this.#leaks, this.#keepAlive);
    this.#backoff = new CreateBackoff(resolved, (ep) => this.#operation(this.#woken, ep));
    this.#disposer = new Disposer(
      manager,
      resolved.disposeTimeout,
      this.#events,
      this.#totals,
      outbox,
      () => this.#checkClosed(),
    );
    this.#capacity = new Capacity(resolved, this.#ledger, this.#expiry, (victim) =>
      this.#evict(victim),
    );
    const host: PipelineHost<E, C> = {
      route: (endpoint) => this.#endpointPool(endpoint),
      forgetIfEmpty: (ep) => this.#forgetIfEmpty(ep),
      dispose: (record, reason, awaited, cause, replenish) =>
        this.#dispose(record, reason, awaited, cause, replenish),
      freed: (ep, replenish) => this.#freed(ep, replenish),
      closedError: (endpoint) => this.#closedError(endpoint),
    };
    this.#pipeline = new AcquirePipeline(
      manager,
      resolved,
      outbox,
      this.#events,
      this.#totals,
      this.#ledger,
      this.#capacity,
      this.#backoff,
      host,
    );
    this.#creator = new Creator(
      manager,
      resolved.createTimeout,
      this.#disposer,
      outbox,
      (create, connection) => this.#operation(this.#created, create, connection),
      (create, error) => this.#operation(this.#createFailed, create, error),
    );
    this.#capacity.attach(this.#creator);
  }

  /** All connections: idle, acquired and being created. */
  get size(): number {
    return this.#ledger.size;
  }

  /** Whether `size` has reached `totalMaxSize`. */
  get isFull(): boolean {
    return this.#ledger.size >= this.#options.totalMaxSize;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** See {@link PoolOptions.idleTimeout}. */
  get idleTimeout(): number {
    return this.#options.idleTimeout;
  }

  /** See {@link PoolOptions.maxLifetime}. */
  get maxLifetime(): number {
    return this.#options.maxLifetime;
  }

  /** See {@link PoolOptions.minIdle}. */
  get minIdle(): number {
    return this.#options.minIdle;
  }

  /** See {@link PoolOptions.maxSize}. */
  get maxSize(): number {
    return this.#options.maxSize;
  }

  /** See {@link PoolOptions.totalMaxSize}. */
  get totalMaxSize(): number {
    return this.#options.totalMaxSize;
  }

  /**
   * Connections of one endpoint: all of them (including those being created) when `acquired` is
   * `undefined`, the acquired ones (including those being checked for an acquirer) when `true`,
   * the idle ones when `false`. 0 for an endpoint the pool does not know.
   *
   * @throws TypeError when the endpoint cannot be keyed.
   */
  getEndpointPoolSize(endpoint: E, acquired?: boolean): number {
    const ep = this.#endpoints.get(this.#key(endpoint));
    if (ep === undefined) return 0;
    if (acquired === undefined) return ep.size;
    return acquired ? ep.acquired : ep.idle;
  }

  /**
   * A snapshot of the pool: gauges of the connections in each state and of queued acquirers, the
   * counters since the pool was made, and the gauges of each endpoint the pool knows. The gauges
   * add up: `size === idle + acquired + creating`.
   *
   * @example
   * ```ts
   * const { size, waiting, totals } = pool.stats();
   * ```
   */
  stats(): PoolStats<E> {
    const endpoints: PoolStats<E>['endpoints'] = [];
    // An endpoint with a create in flight or a waiter is never forgotten: the sums are exact.
    let creating = 0;
    let waiting = 0;
    for (const ep of this.#endpoints.values()) {
      creating += ep.creating;
      waiting += ep.waiters.length;
      endpoints.push({
        endpoint: ep.endpoint,
        size: ep.size,
        idle: ep.idle,
        acquired: ep.acquired,
        creating: ep.creating,
        waiting: ep.waiters.length,
      });
    }
    const { size, idle } = this.#ledger;
    return {
      size,
      idle,
      acquired: size - idle - creating,
      creating,
      waiting,
      totals: { ...this.#totals },
      endpoints,
    };
  }

  /**
   * Opens idle connections to `endpoint` until it has `count` connections idle or being created,
   * as far as `maxSize` and free total capacity allow (it never evicts; with too little room it
   * opens what fits). The endpoint becomes *known* for `maintainMinIdle`.
   *
   * @param count at most `maxSize`; defaults to `minIdle`.
   * @returns resolves when the connections it started are created.
   * @throws the first `create` error; EndpointUnavailableError while the endpoint backs off;
   *   ConnectionPoolClosedError when the pool is closed; RangeError for a bad `count`.
   * @example `await pool.prewarm('master', 4);`
   */
  prewarm(endpoint: E, count?: number): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError(endpoint));
    const { minIdle, maxSize } = this.#options;
    let target = minIdle;
    let ep: EndpointPool<E, C>;
    try {
      if (count !== undefined) target = checkCount('count', count, 0);
      if (target > maxSize) {
        throw new RangeError(`count (${target}) must not exceed maxSize (${maxSize})`);
      }
      ep = this.#endpointPool(endpoint);
    } catch (error) {
      return Promise.reject(error);
    }
    const t = now();
    if (ep.retryAt > t) return Promise.reject(this.#backoff.unavailableError(endpoint, ep, t));
    this.#outbox.enter();
    const n = this.#capacity.prewarmRoom(ep, target);
    let created = RESOLVED;
    if (n > 0) {
      created = new Promise<void>((resolve, reject) => {
        let left = n;
        const done = (failed: boolean, error: unknown): void => {
          if (failed) reject(error);
          else if (--left === 0) resolve();
        };
        for (let i = 0; i < n; i++) this.#capacity.startCreate(ep, endpoint, done);
      });
    }
    this.#capacity.replenish(ep);
    this.#forgetIfEmpty(ep);
    this.#outbox.exit();
    return created;
  }

  /**
   * Gets a connection to `endpoint`: an idle one (checked with `checkAliveness`), one released by
   * another user, or a new one. Waits in line when the limits are reached.
   *
   * @returns the connection; give it back with `release` or `discard`.
   * @throws ConnectionPoolTimeoutError when `timeout` runs out; ConnectionPoolClosedError when
   *   the pool is or gets closed; `signal.reason` when aborted; the manager's error when `create`,
   *   `checkAliveness`, `onAcquire` or `onConnectionDead` fails; EndpointUnavailableError while
   *   the endpoint backs off from failed creates; ConnectionPoolQueueFullError when `maxWaiters`
   *   acquirers already wait; TypeError for options it does not know or an endpoint it cannot key.
   * @example
   * ```ts
   * const socket = await pool.acquire(['db.local', 5432], { timeout: 1_000 });
   * try { await use(socket); } finally { await pool.release(socket); }
   * ```
   */
  acquire(endpoint: E, options?: AcquireOptions): Promise<C> {
    if (this.#closed) return Promise.reject(this.#closedError(endpoint));
    let timeout = this.#options.acquireTimeout;
    let signal: AbortSignal | undefined;
    let ep: EndpointPool<E, C>;
    try {
      if (options !== undefined) {
        checkAcquireOptions(options);
        if (options.timeout !== undefined) timeout = checkDuration('timeout', options.timeout);
        signal = options.signal;
      }
      if (signal?.aborted) {
        this.#totals.aborts++;
        return Promise.reject(signal.reason);
      }
      ep = this.#endpointPool(endpoint);
    } catch (error) {
      return Promise.reject(error);
    }
    const t = now();
    // Taken here, so that it shows the caller's line; only with leak detection.
    const stack =
      this.#leaks === null ? undefined : (new Error('acquired here').stack ?? 'acquired here');
    this.#outbox.enter();
    const acquired = this.#pipeline.acquire(ep, endpoint, timeout, signal, t, stack);
    this.#outbox.exit();
    return acquired;
  }

  /**
   * Gives an acquired connection back: `onRelease` runs, then the connection goes to the oldest
   * waiter of its endpoint or becomes idle (disposed instead if past `maxLifetime`, `maxUses` or
   * `idleTimeout: 0`, or the pool is closed). Resolves once that is done, a disposal included.
   *
   * @throws ConnectionNotAcquiredError when `connection` is not acquired from this pool (the
   *   pool's state is unchanged); the error of `onRelease` (the connection is released anyway,
   *   and checked before its next use).
   */
  release(connection: C): Promise<void> {
    const record = this.#records.get(connection);
    if (record === undefined || record.state !== 'acquired') {
      return this.#notAcquired(connection, record, 'release');
    }
    const t = now();
    this.#ledger.move(record, 'releasing', t);
    if (this.#events.has('release')) {
      this.#outbox.enter();
      const heldMs = t - record.acquiredAt;
      this.#outbox.defer(this.#events.emitter<'release'>, 'release', {
        endpoint: record.endpoint,
        connection,
        heldMs,
      });
      this.#outbox.exit();
    }
    let released: unknown;
    try {
      released = this.#manager.onRelease?.(record.endpoint, connection);
    } catch (error) {
      return this.#finishRelease(record, t, true).then(() => Promise.reject(error));
    }
    if (isThenable(released)) {
      return Promise.resolve(released).then(
        () => this.#finishRelease(record, now(), false),
        (error: unknown) =>
          this.#finishRelease(record, now(), true).then(() => Promise.reject(error)),
      );
    }
    return this.#finishRelease(record, t, false);
  }

  /**
   * Disposes an acquired connection instead of returning it (reason `'discarded'`; `onRelease` is
   * not called). Resolves once `dispose` has settled; dispose errors are reported as
   * `disposeError` events, never thrown.
   *
   * @param reason passed on as `cause` of the `dispose` event.
   * @throws ConnectionNotAcquiredError when `connection` is not acquired from this pool.
   */
  discard(connection: C, reason?: unknown): Promise<void> {
    const record = this.#records.get(connection);
    if (record === undefined || record.state !== 'acquired') {
      return this.#notAcquired(connection, record, 'discard');
    }
    this.#outbox.enter();
    const done = this.#dispose(record, 'discarded', true, reason);
    this.#outbox.exit();
    return done;
  }

  /**
   * Disposes one idle connection at once (dispose reason `'dead'`, `cause` = `reason`), for a
   * manager or wrapper that learns that an idle connection broke, such as a client that emitted
   * `'error'` while idle. A connection that is not idle in this pool (acquired, being checked or
   * created, already gone, or never this pool's) is left alone.
   *
   * @returns whether the connection was idle here and is now being disposed.
   * @example
   * ```ts
   * client.on('error', (error) => pool.disposeIdle(client, error));
   * ```
   */
  disposeIdle(connection: C, reason?: unknown): boolean {
    const record = this.#records.get(connection);
    if (record === undefined || record.state !== 'idle') return false;
    this.#outbox.enter();
    this.#dispose(record, 'dead', false, reason);
    this.#outbox.exit();
    return true;
  }

  /**
   * Runs `fn` with a connection and releases it afterwards, also when `fn` throws.
   *
   * @returns what `fn` returned.
   * @throws what `fn` or `acquire` threw.
   * @example
   * ```ts
   * const rows = await pool.connection('replica-1', (client) => client.query('SELECT 1'));
   * ```
   */
  async connection<T>(
    endpoint: E,
    fn: (connection: C) => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T> {
    if (typeof fn !== 'function')
      throw new TypeError(`fn must be a function, received ${show(fn)}`);
    const connection = await this.acquire(endpoint, options);
    let result: T;
    try {
      result = await fn(connection);
    } catch (error) {
      // fn's error is the one the caller needs; a failing onRelease must not hide it.
      await this.release(connection).catch(() => undefined);
      throw error;
    }
    await this.release(connection);
    return result;
  }

  /**
   * Acquires a connection wrapped in a {@link Lease} for `await using`.
   *
   * @example
   * ```ts
   * await using lease = await pool.lease('master');
   * await lease.connection.query('SELECT 1');
   * ```
   */
  lease(endpoint: E, options?: AcquireOptions): Promise<Lease<E, C>> {
    return this.acquire(endpoint, options).then(
      (connection) => new PoolLease(this, endpoint, connection),
    );
  }

  /**
   * Closes the pool: waiting and new acquires reject with ConnectionPoolClosedError, idle
   * connections are disposed, creates in flight are aborted, and each acquired connection is
   * disposed when released. Resolves once every connection is disposed. Calling it again returns
   * the same promise.
   *
   * @param options.timeout after this many milliseconds, connections still acquired are disposed
   *   anyway (their later `release` does nothing) and creates still running are given up (a
   *   connection one returns later is disposed); then `close` resolves once the disposals settle.
   */
  close(options?: CloseOptions): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    let timeout = Number.POSITIVE_INFINITY;
    try {
      if (options !== undefined && options.timeout !== undefined) {
        timeout = checkDuration('timeout', options.timeout);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#outbox.enter();
    this.#closed = true;
    this.#capacity.closed = true;
    this.#closing = new Promise<void>((resolve) => {
      this.#closeDone = resolve;
    });
    this.#expiry.cancel();
    this.#keepAlive?.cancel();
    this.#leaks?.cancel();
    this.#backoff.cancel();
    const closedError = (endpoint: E) => this.#closedError(endpoint);
    // Fail every waiter before disposing anything, so no freed room goes to a waiter.
    for (const ep of this.#endpoints.values()) this.#pipeline.failWaiters(ep, closedError);
    for (const ep of this.#endpoints.values()) {
      for (let record = ep.nextIdle(); record !== null; record = ep.nextIdle()) {
        this.#dispose(record, 'closed', true);
      }
    }
    for (const record of this.#records.values()) {
      if (record.state === 'reserved') {
        this.#pipeline.failPreparing(record, this.#closedError(record.endpoint));
      }
    }
    this.#creator.stop();
    this.#outbox.defer(abortCreates, this.#creator, undefined);
    this.#closeTimer = startTimer(() => this.#operation(this.#forceClose), timeout);
    this.#checkClosed();
    this.#outbox.exit();
    return this.#closing;
  }

  /** `close()`, for `await using pool = new ConnectionPool(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Adds a listener for one of the {@link PoolEvents}. Listeners run synchronously once the
   * pool's state is consistent, and may call any method of the pool; one that throws is ignored.
   * @example `pool.on('dispose', (e) => log(e.endpoint, e.reason))`
   */
  on<K extends keyof PoolEvents<E, C>>(event: K, listener: PoolEventListener<E, C, K>): this {
    this.#events.on(event, listener);
    return this;
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof PoolEvents<E, C>>(event: K, listener: PoolEventListener<E, C, K>): this {
    this.#events.off(event, listener);
    return this;
  }

  // ---- routing ------------------------------------------------------------------------------

  #key(endpoint: E): string | number {
    const key = this.#keyOf(endpoint);
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new TypeError(
        `endpointKey must return a string or a number, returned ${show(key)} for ${show(endpoint)}`,
      );
    }
    return key;
  }

  #endpointPool(endpoint: E): EndpointPool<E, C> {
    const key = this.#key(endpoint);
    let ep = this.#endpoints.get(key);
    if (ep === undefined) {
      ep = new EndpointPool(key, endpoint);
      this.#endpoints.set(key, ep);
    }
    return ep;
  }

  /**
   * Drops an endpoint that holds nothing, so endpoints used once do not accumulate. Kept: one that
   * backs off (its failures must be remembered) and, with `maintainMinIdle`, every known one.
   */
  #forgetIfEmpty(ep: EndpointPool<E, C>): void {
    if (
      ep.size === 0 &&
      ep.waiters.length === 0 &&
      ep.failures === 0 &&
      !this.#options.maintainMinIdle &&
      !ep.forgotten
    ) {
      this.#endpoints.delete(ep.key);
      ep.forgotten = true;
    }
  }

  // ---- operations from timers and settled manager calls -------------------------------------

  /** Runs `step` as an operation: what it defers runs once it is over. */
  #operation<A, B>(step: (a: A, b: B) => void, a?: A, b?: B): void {
    this.#outbox.enter();
    step.call(this, a as A, b as B);
    this.#outbox.exit();
  }

  #expire(record: Rec<E, C>): void {
    this.#dispose(record, expiryReason(record), false);
  }

  #pipelineKeepAlive(record: Rec<E, C>, t: number): void {
    this.#pipeline.keepAliveCheck(record, t);
  }

  #created(create: PendingCreate<E, C>, connection: C): void {
    const duplicate = this.#pipeline.created(create, connection);
    create.done?.(duplicate !== undefined, duplicate);
  }

  #createFailed(create: PendingCreate<E, C>, error: unknown): void {
    this.#pipeline.createFailed(create, error);
    create.done?.(true, error);
  }

  /**
   * The backoff of `ep` is over (with `maintainMinIdle`: refill it) or it has been quiet for the
   * longest wait (without: forget it if empty).
   */
  #woken(ep: EndpointPool<E, C>): void {
    if (this.#options.maintainMinIdle) this.#capacity.replenish(ep);
    else this.#forgetIfEmpty(ep);
  }

  // ---- releasing and disposing --------------------------------------------------------------

  /** @param suspect `onRelease` failed: the connection is checked before its next use. */
  #finishRelease(record: Rec<E, C>, t: number, suspect: boolean): Promise<void> {
    if (record.state !== 'releasing') return RESOLVED; // close({ timeout }) disposed it meanwhile
    this.#outbox.enter();
    record.lastReleasedAt = Math.floor(t);
    if (suspect) record.suspect = true;
    const done = this.#pipeline.place(record, 'released', t, true);
    if (!this.#options.backgroundCollector) this.#expiry.collectBatch(t, this.#ledger.size);
    this.#outbox.exit();
    return done;
  }

  #notAcquired(connection: C, record: Rec<E, C> | undefined, verb: string): Promise<void> {
    if (this.#forced?.has(connection)) return RESOLVED;
    const what =
      record === undefined
        ? `${show(connection)}: it is not a connection of this pool, or it was already disposed`
        : `to endpoint ${show(record.endpoint)}: it is ${record.state === 'idle' ? 'idle (already released)' : `not acquired (${record.state})`}`;
    return Promise.reject(new ConnectionNotAcquiredError(`Cannot ${verb} connection ${what}`));
  }

  /**
   * Takes `record` out of every list and count and disposes its connection: the `dispose` event
   * and `manager.dispose` run once the current operation is over. The returned promise settles
   * when `dispose` has (it never rejects).
   *
   * @param awaited whether a caller awaits the disposal (then its timer keeps the process alive).
   */
  #letGo(
    record: Rec<E, C>,
    reason: DisposeReason,
    awaited: boolean,
    cause?: unknown,
  ): Promise<void> {
    this.#ledger.move(record, 'disposed', 0);
    const { endpoint, connection } = record;
    if (this.#events.has('dispose')) {
      this.#outbox.defer(
        this.#events.emitter<'dispose'>,
        'dispose',
        cause === undefined
          ? { endpoint, connection, reason }
          : { endpoint, connection, reason, cause },
      );
    }
    return this.#disposer.dispose(endpoint, connection, awaited);
  }

  /** {@link #letGo}, then the room it leaves goes to whoever waits longest. */
  #dispose(
    record: Rec<E, C>,
    reason: DisposeReason,
    awaited: boolean,
    cause?: unknown,
    replenish = true,
  ): Promise<void> {
    const done = this.#letGo(record, reason, awaited, cause);
    this.#freed(record.pool, replenish);
    return done;
  }

  /** Evicts the idle `victim` for another endpoint; the caller takes the room it leaves. */
  #evict(victim: Rec<E, C>): void {
    this.#totals.evictions++;
    this.#letGo(victim, 'evicted', false);
    this.#forgetIfEmpty(victim.pool);
  }

  /** Room of `ep` was freed: it is handed on, and a closing pool may be done. */
  #freed(ep: EndpointPool<E, C>, replenish: boolean): void {
    this.#capacity.freed(ep, replenish);
    this.#forgetIfEmpty(ep);
    if (this.#closed) this.#checkClosed();
  }

  // ---- closing ------------------------------------------------------------------------------

  #closedError(endpoint: E): ConnectionPoolClosedError {
    return new ConnectionPoolClosedError(
      `Cannot acquire a connection to endpoint ${show(endpoint)}: the pool is closed`,
    );
  }

  /** `close({ timeout })` ran out: acquired connections are disposed, creates given up. */
  #forceClose(): void {
    this.#closeTimer = undefined;
    this.#forced ??= new Set();
    for (const record of this.#records.values()) {
      if (record.state === 'idle' || record.state === 'disposed') continue;
      this.#forced.add(record.connection);
      this.#pipeline.failPreparing(record, this.#closedError(record.endpoint));
      this.#dispose(record, 'closed', true);
    }
    this.#outbox.defer(giveUpCreates, this.#creator, undefined);
    this.#checkClosed();
  }

  /** Resolves `close` once nothing is left: no connection, no disposal running, and (unless the
   * timeout ran out) no create that was given up still running. */
  #checkClosed(): void {
    if (this.#closeDone === undefined || this.#ledger.size > 0 || this.#disposer.running > 0) {
      return;
    }
    if (this.#forced === undefined && this.#disposer.abandoned > 0) return;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#closeDone();
    this.#closeDone = undefined;
  }
}

function abortCreates<E, C>(creator: Creator<E, C, PendingCreate<E, C>>): void {
  creator.abortAll();
}

function giveUpCreates<E, C>(creator: Creator<E, C, PendingCreate<E, C>>): void {
  creator.giveUpAll();
}

/** @throws TypeError naming what `manager` lacks. */
function checkManager(manager: unknown): void {
  if (manager === null || (typeof manager !== 'object' && typeof manager !== 'function')) {
    throw new TypeError(
      `manager must be an object with create and dispose methods, received ${show(manager)}`,
    );
  }
  const missing = MANAGER_METHODS.filter(
    (name) => typeof (manager as Record<string, unknown>)[name] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `manager must have ${missing.map((name) => `a ${name} method`).join(' and ')}; ` +
        `received ${show(manager)} without one`,
    );
  }
}
