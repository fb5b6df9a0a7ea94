import { EndpointPool } from './endpoint-pool.ts';
import { ConnectionNotAcquiredError, ConnectionPoolClosedError } from './errors.ts';
import { EventHub, type PoolEventListener, type PoolEvents } from './events.ts';
import type { AcquirePipeline } from './internal/acquire-pipeline.ts';
import type { Capacity, PendingCreate } from './internal/capacity.ts';
import type { ConnectionRecord } from './internal/connection-record.ts';
import type { Creator } from './internal/creator.ts';
import { defaultEndpointKey } from './internal/endpoint-key.ts';
import type { ExpiryCollector } from './internal/expiry-collector.ts';
import { isThenable } from './internal/is-thenable.ts';
import type { LeakDetector } from './internal/leak-detector.ts';
import type { Ledger } from './internal/ledger.ts';
import { Outbox } from './internal/outbox.ts';
import { PoolParts } from './internal/pool-parts.ts';
import { RESOLVED, unlessResolved } from './internal/resolved.ts';
import type { Retirement } from './internal/retirement.ts';
import { show } from './internal/show.ts';
import { now } from './internal/timers.ts';
import { type Lease, PoolLease } from './lease.ts';
import { assertManager, type ConnectionManager } from './manager.ts';
import {
  checkAcquireOptions,
  checkCount,
  checkDuration,
  type PoolOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.ts';
import { newTotals, type PoolStats, snapshot } from './stats.ts';

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
  /** Everything but the API and the routing; the parts the API calls are kept at hand below. */
  readonly #parts: PoolParts<E, C>;
  readonly #expiry: ExpiryCollector<E, C>;
  readonly #ledger: Ledger<E, C>;
  /** The ledger's map of records, by connection. */
  readonly #records: Map<C, Rec<E, C>>;
  readonly #capacity: Capacity<E, C>;
  readonly #pipeline: AcquirePipeline<E, C>;
  readonly #leaks: LeakDetector<E, C> | null;
  readonly #creator: Creator<E, C, PendingCreate<E, C>>;
  readonly #retirement: Retirement<E, C>;
  #closed = false;

  /**
   * @param manager opens, checks and closes the connections.
   * @param options limits and timeouts; see {@link PoolOptions}.
   * @throws TypeError or RangeError naming the option and the value when an option is invalid,
   *   or naming what `manager` lacks.
   */
  constructor(manager: ConnectionManager<E, C>, options?: PoolOptions<E, C>) {
    assertManager(manager);
    this.#manager = manager;
    const resolved = resolveOptions(options as PoolOptions<E>);
    this.#options = resolved;
    this.#keyOf = resolved.endpointKey ?? defaultEndpointKey;
    const shared = {
      manager,
      options: resolved,
      endpoints: this.#endpoints,
      events: this.#events,
      totals: this.#totals,
      outbox: this.#outbox,
    };
    const parts = new PoolParts(shared, {
      route: (endpoint) => this.#endpointPool(endpoint),
      forgetIfEmpty: (ep) => this.#forgetIfEmpty(ep),
      closedError: (endpoint) => this.#closedError(endpoint),
    });
    this.#parts = parts;
    this.#expiry = parts.expiry;
    this.#ledger = parts.ledger;
    this.#records = parts.ledger.records;
    this.#capacity = parts.capacity;
    this.#pipeline = parts.pipeline;
    this.#leaks = parts.leaks;
    this.#creator = parts.creator;
    this.#retirement = parts.retirement;
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
    const { size, idle } = this.#ledger;
    const budgeted = this.#options.budget !== undefined;
    return snapshot(this.#endpoints.values(), size, idle, this.#totals, budgeted);
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
    if (ep.retryAt > t)
      return Promise.reject(this.#parts.backoff.unavailableError(endpoint, ep, t));
    this.#outbox.enter();
    const created = this.#capacity.prewarm(ep, endpoint, target);
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
    const listened = this.#events.has('release');
    // Nothing runs before it is placed: straight back, without the releasing state.
    if (!listened && this.#manager.onRelease === undefined) {
      return this.#placeReleased(record, now(), false);
    }
    // The clock is read once, where the connection is placed (once `onRelease` is done), and
    // also here for a `release` listener's `heldMs`.
    const t = listened ? now() : 0;
    this.#ledger.move(record, 'releasing', t);
    if (listened) {
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
      return this.#finishRelease(record, now(), true).then(() => Promise.reject(error));
    }
    if (isThenable(released)) {
      return Promise.resolve(released).then(
        () => unlessResolved(this.#finishRelease(record, now(), false)),
        (error: unknown) =>
          this.#finishRelease(record, now(), true).then(() => Promise.reject(error)),
      );
    }
    return this.#finishRelease(record, listened ? t : now(), false);
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
    const done = this.#retirement.dispose(record, 'discarded', true, reason);
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
    this.#retirement.dispose(record, 'dead', false, reason);
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
   * Called again while closing, it returns the same promise; a timeout given then bounds it too.
   *
   * @param options.timeout after this many milliseconds, connections still acquired are disposed
   *   anyway (their later `release` does nothing) and creates still running are given up (a
   *   connection one returns later is disposed); then `close` resolves once the disposals settle.
   */
  close(options?: CloseOptions): Promise<void> {
    let timeout = Number.POSITIVE_INFINITY;
    try {
      if (options !== undefined && options.timeout !== undefined) {
        timeout = checkDuration('timeout', options.timeout);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const closing = this.#retirement.closing;
    if (closing !== undefined) {
      this.#retirement.tightenClose(timeout);
      return closing;
    }
    this.#outbox.enter();
    this.#closed = true;
    this.#capacity.closed = true;
    const closed = this.#retirement.beginClose(timeout, () => {
      this.#outbox.enter();
      this.#forceClose();
      this.#outbox.exit();
    });
    this.#parts.stopTimers();
    const closedError = (endpoint: E) => this.#closedError(endpoint);
    // Fail every waiter before disposing anything, so no freed room goes to a waiter.
    for (const ep of this.#endpoints.values()) this.#pipeline.failWaiters(ep, closedError);
    for (const ep of this.#endpoints.values()) {
      for (let record = ep.nextIdle(); record !== null; record = ep.nextIdle()) {
        this.#retirement.dispose(record, 'closed', true);
      }
    }
    for (const record of this.#records.values()) {
      if (record.state === 'reserved') {
        this.#pipeline.failPreparing(record, this.#closedError(record.endpoint));
      }
    }
    this.#creator.stop();
    this.#outbox.defer(abortCreates, this.#creator, undefined);
    this.#retirement.checkClosed();
    this.#outbox.exit();
    return closed;
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
      const budget = this.#options.budget;
      if (budget !== undefined) {
        ep.budgetLimit = budget.limit(endpoint);
        ep.budgetScope = budget.scope?.(endpoint);
      }
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

  // ---- releasing and disposing --------------------------------------------------------------

  /** @param suspect `onRelease` failed: the connection is checked before its next use. */
  #finishRelease(record: Rec<E, C>, t: number, suspect: boolean): Promise<void> {
    // close({ timeout }) disposed it meanwhile: the release settles with that dispose.
    if (record.state !== 'releasing') return record.gone ?? RESOLVED;
    return this.#placeReleased(record, t, suspect);
  }

  /** `record` (acquired or releasing) is back at `t`: it goes where `placeOf` says. */
  #placeReleased(record: Rec<E, C>, t: number, suspect: boolean): Promise<void> {
    this.#outbox.enter();
    record.lastReleasedAt = Math.floor(t);
    if (suspect) record.suspect = true;
    const done = this.#pipeline.place(record, 'released', t, true);
    if (!this.#options.backgroundCollector) this.#expiry.collectBatch(t, this.#ledger.size);
    this.#outbox.exit();
    return done;
  }

  #notAcquired(connection: C, record: Rec<E, C> | undefined, verb: string): Promise<void> {
    if (this.#retirement.wasForced(connection)) return RESOLVED;
    const what =
      record === undefined
        ? `${show(connection)}: it is not a connection of this pool, or it was already disposed`
        : `to endpoint ${show(record.endpoint)}: it is ${record.state === 'idle' ? 'idle (already released)' : `not acquired (${record.state})`}`;
    return Promise.reject(new ConnectionNotAcquiredError(`Cannot ${verb} connection ${what}`));
  }

  // ---- closing ------------------------------------------------------------------------------

  #closedError(endpoint: E): ConnectionPoolClosedError {
    return new ConnectionPoolClosedError(
      `Cannot acquire a connection to endpoint ${show(endpoint)}: the pool is closed`,
    );
  }

  /** `close({ timeout })` ran out: acquired connections are disposed, creates given up. */
  #forceClose(): void {
    for (const record of this.#records.values()) {
      if (record.state === 'idle' || record.state === 'disposed') continue;
      this.#pipeline.failPreparing(record, this.#closedError(record.endpoint));
      this.#retirement.force(record);
    }
    this.#outbox.defer(giveUpCreates, this.#creator, undefined);
    this.#retirement.checkClosed();
  }
}

function abortCreates<E, C>(creator: Creator<E, C, PendingCreate<E, C>>): void {
  creator.abortAll();
}

function giveUpCreates<E, C>(creator: Creator<E, C, PendingCreate<E, C>>): void {
  creator.giveUpAll();
}
