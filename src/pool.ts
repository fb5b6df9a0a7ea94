import { EndpointPool } from './endpoint-pool.ts';
import {
  ConnectionNotAcquiredError,
  ConnectionPoolClosedError,
  ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
} from './errors.ts';
import { type DisposeReason, EventHub, type PoolEventListener, type PoolEvents } from './events.ts';
import { Acquisition } from './internal/acquisition.ts';
import { ConnectionRecord } from './internal/connection-record.ts';
import { CreateBackoff } from './internal/create-backoff.ts';
import { Creator } from './internal/creator.ts';
import { DeadlineQueue } from './internal/deadline-queue.ts';
import { Disposer } from './internal/disposer.ts';
import { defaultEndpointKey } from './internal/endpoint-key.ts';
import { ExpiryCollector } from './internal/expiry-collector.ts';
import { IndexedHeap } from './internal/indexed-heap.ts';
import { isThenable } from './internal/is-thenable.ts';
import { KeepAliveSweeper } from './internal/keep-alive-sweeper.ts';
import { LazyContext } from './internal/lazy-context.ts';
import { LeakDetector } from './internal/leak-detector.ts';
import { show } from './internal/show.ts';
import { now, startTimer, type TimerHandle } from './internal/timers.ts';
import { type Lease, PoolLease } from './lease.ts';
import type { ConnectionManager } from './manager.ts';
import {
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

/** Endpoints in the heap always have an uncovered waiter. */
type Blocked = { waiters: { firstUncovered: { seq: number } | null } };
const byFirstWaiter = (a: Blocked, b: Blocked): boolean =>
  (a.waiters.firstUncovered?.seq ?? 0) < (b.waiters.firstUncovered?.seq ?? 0);

/** One create in flight, as the pool follows it. */
interface PendingCreate<E, C> {
  readonly ep: EndpointPool<E, C>;
  readonly endpoint: E;
  readonly startedAt: number;
  /** Its create sequence number, which the backoff compares with `ep.failedMark`. */
  readonly seq: number;
  /** Called once with its outcome (for `prewarm`). */
  readonly done: ((failed: boolean, error: unknown) => void) | undefined;
}

function expiryReason(record: { expiresAt: number; lifetimeEndsAt: number }): DisposeReason {
  return record.expiresAt === record.lifetimeEndsAt ? 'lifetime' : 'idle';
}

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
  readonly #records = new Map<C, Rec<E, C>>();
  readonly #events = new EventHub<E, C>();
  /** Idle connections of every endpoint by expiry, disposed when they expire. */
  readonly #expiry: ExpiryCollector<E, C>;
  /** Endpoints whose waiters need total capacity, by arrival of their first uncovered waiter. */
  readonly #blocked = new IndexedHeap<EndpointPool<E, C>>(byFirstWaiter);
  /** Acquirers with a finite deadline; they time out there. */
  readonly #deadlines = new DeadlineQueue<E, C>((acq) => this.#timeOut(acq, false));
  /** With keepalive (and `checkAliveness`): sweeps of idle connections. */
  readonly #keepAlive: KeepAliveSweeper<E, C> | null;
  /** With leak detection: connections held too long. */
  readonly #leaks: LeakDetector<E, C> | null;
  /** Waits of endpoints whose creates fail. */
  readonly #backoff: CreateBackoff<E, C>;
  /** Runs `create` and `dispose` calls; `close` waits for what the disposer counts. */
  readonly #creator: Creator<E, C, PendingCreate<E, C>>;
  readonly #disposer: Disposer<E, C>;
  /** With `maintainMinIdle`: endpoints below `minIdle` for want of total capacity, oldest first. */
  readonly #starved = new Set<EndpointPool<E, C>>();
  readonly #totals = newTotals();
  #size = 0;
  /** While an eviction makes room for an acquirer: `maintainMinIdle` must not take that room. */
  #evicting = false;
  #seq = 0;
  #createSeq = 0;
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  #closeDone: (() => void) | undefined = undefined;
  #closeTimer: TimerHandle | undefined = undefined;
  /** Connections that `close({ timeout })` disposed while acquired: releasing them is a no-op. */
  #forced: Set<C> | undefined = undefined;

  /**
   * @param manager opens, checks and closes the connections.
   * @param options limits and timeouts; see {@link PoolOptions}.
   * @throws TypeError or RangeError naming the option and the value when an option is invalid.
   */
  constructor(manager: ConnectionManager<E, C>, options?: PoolOptions<E>) {
    if (
      manager === null ||
      (typeof manager !== 'object' && typeof manager !== 'function') ||
      typeof manager.create !== 'function' ||
      typeof manager.dispose !== 'function'
    ) {
      throw new TypeError(
        `manager must be an object with create and dispose methods, received ${show(manager)}`,
      );
    }
    this.#manager = manager;
    this.#options = resolveOptions(options);
    const keyOf = this.#options.endpointKey;
    this.#keyOf = keyOf === undefined ? defaultEndpointKey : keyOf;
    const { backgroundCollector, disposeBatchSize, keepAliveInterval, leakDetectionThreshold } =
      this.#options;
    this.#expiry = new ExpiryCollector(backgroundCollector, disposeBatchSize, (record) =>
      this.#dispose(record, expiryReason(record), false),
    );
    this.#keepAlive =
      keepAliveInterval > 0 && manager.checkAliveness !== undefined
        ? new KeepAliveSweeper(keepAliveInterval, this.#endpoints, this.#expiry, (record, t) =>
            this.#keepAliveCheck(record, t),
          )
        : null;
    this.#leaks =
      leakDetectionThreshold > 0 ? new LeakDetector(leakDetectionThreshold, this.#events) : null;
    this.#backoff = new CreateBackoff(this.#options, (ep) => this.#woken(ep));
    this.#disposer = new Disposer(
      manager,
      this.#options.disposeTimeout,
      this.#events,
      this.#totals,
      () => this.#checkClosed(),
    );
    this.#creator = new Creator(
      manager,
      this.#options.createTimeout,
      this.#disposer,
      (create: PendingCreate<E, C>, connection: C) => {
        const duplicate = this.#created(create, connection);
        create.done?.(duplicate !== undefined, duplicate);
      },
      (create: PendingCreate<E, C>, error: unknown) => {
        this.#createFailed(create, error);
        create.done?.(true, error);
      },
    );
  }

  /** All connections: idle, acquired and being created. */
  get size(): number {
    return this.#size;
  }

  /** Whether `size` has reached `totalMaxSize`. */
  get isFull(): boolean {
    return this.#size >= this.#options.totalMaxSize;
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
    const idle = this.#expiry.length;
    return {
      size: this.#size,
      idle,
      acquired: this.#size - idle - creating,
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
    const { minIdle, maxSize, totalMaxSize } = this.#options;
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
    let n = Math.min(target - ep.idle - ep.creating, maxSize - ep.size, totalMaxSize - this.#size);
    if (ep.failures > 0) n = Math.min(n, ep.creating === 0 ? 1 : 0); // one probe at a time
    if (n <= 0) {
      this.#replenish(ep);
      this.#forgetIfEmpty(ep);
      return RESOLVED;
    }
    const created = new Promise<void>((resolve, reject) => {
      let left = n;
      const done = (failed: boolean, error: unknown): void => {
        if (failed) reject(error);
        else if (--left === 0) resolve();
      };
      for (let i = 0; i < n; i++) this.#startCreate(ep, endpoint, done);
    });
    this.#replenish(ep);
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
   *   acquirers already wait.
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
        if (typeof options !== 'object' || options === null) {
          throw new TypeError(`acquire options must be an object, received ${show(options)}`);
        }
        if (options.timeout !== undefined) timeout = checkDuration('timeout', options.timeout);
        signal = options.signal;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          throw new TypeError(`signal must be an AbortSignal, received ${show(signal)}`);
        }
      }
      if (signal?.aborted) {
        this.#totals.aborts++;
        return Promise.reject(signal.reason);
      }
      ep = this.#endpointPool(endpoint);
    } catch (error) {
      return Promise.reject(error);
    }
    const startedAt = now();
    // Taken here, so that it shows the caller's line; only with leak detection.
    const stack =
      this.#leaks === null ? undefined : (new Error('acquired here').stack ?? 'acquired here');
    // Fast path: an idle connection whose check and onAcquire are synchronous allocates nothing
    // but the returned promise.
    if (ep.waiters.length === 0) {
      const record = this.#takeIdle(ep, startedAt);
      if (record !== null) {
        const alive = this.#checkForReuse(record, startedAt);
        if (alive === true) {
          const prepared = this.#onAcquire(record);
          if (!isThenable(prepared)) {
            this.#handOut(record, endpoint, 0, startedAt, stack);
            return Promise.resolve(record.connection);
          }
          const acq = this.#newAcquisition(ep, endpoint, timeout, signal, startedAt, stack);
          this.#reserve(acq, record);
          this.#afterOnAcquire(acq, record, prepared, startedAt);
          return acq.promise;
        }
        const acq = this.#newAcquisition(ep, endpoint, timeout, signal, startedAt, stack);
        this.#reserve(acq, record);
        this.#afterCheck(acq, record, alive);
        return acq.promise;
      }
    }
    const acq = this.#newAcquisition(ep, endpoint, timeout, signal, startedAt, stack);
    this.#proceed(acq, startedAt);
    return acq.promise;
  }

  /**
   * Gives an acquired connection back: `onRelease` runs, then the connection goes to the oldest
   * waiter of its endpoint or becomes idle (disposed instead if past `maxLifetime` or the pool is
   * closed). Resolves once that is done.
   *
   * @throws ConnectionNotAcquiredError when `connection` is not acquired from this pool (the
   *   pool's state is unchanged); the error of `onRelease` (the connection is released anyway).
   */
  release(connection: C): Promise<void> {
    const record = this.#records.get(connection);
    if (record === undefined || record.state !== 'acquired') {
      return this.#notAcquired(connection, record, 'release');
    }
    record.state = 'releasing';
    if (record.heapIndex !== -1) this.#leaks?.release(record);
    const t = now();
    if (this.#events.has('release')) {
      const heldMs = t - record.acquiredAt;
      this.#events.emit('release', { endpoint: record.endpoint, connection, heldMs });
    }
    let released: unknown;
    try {
      released = this.#manager.onRelease?.(record.endpoint, connection);
    } catch (error) {
      return this.#finishRelease(record, t).then(() => Promise.reject(error));
    }
    if (isThenable(released)) {
      return Promise.resolve(released).then(
        () => this.#finishRelease(record, now()),
        (error: unknown) => this.#finishRelease(record, now()).then(() => Promise.reject(error)),
      );
    }
    return this.#finishRelease(record, t);
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
    return this.#dispose(record, 'discarded', true, reason);
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
   *   anyway; their later `release` does nothing.
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
    this.#closed = true;
    this.#closing = new Promise<void>((resolve) => {
      this.#closeDone = resolve;
    });
    this.#expiry.cancel();
    this.#keepAlive?.cancel();
    this.#leaks?.cancel();
    this.#backoff.cancel();
    // Fail every waiter before disposing anything, so no freed room goes to a waiter.
    for (const ep of this.#endpoints.values()) {
      for (let waiter = ep.waiters.head; waiter !== null; waiter = ep.waiters.head) {
        this.#fail(waiter, this.#closedError(waiter.endpoint));
      }
    }
    for (const ep of this.#endpoints.values()) {
      for (let record = ep.nextIdle(); record !== null; record = ep.nextIdle()) {
        this.#dispose(record, 'closed', true);
      }
    }
    for (const record of this.#records.values()) {
      const acq = record.acquisition;
      if (acq !== null) {
        const error = this.#closedError(acq.endpoint);
        record.context?.abort(error);
        this.#fail(acq, error);
      } else if (record.state === 'reserved') {
        record.context?.abort(this.#closedError(record.endpoint)); // a keepalive check
      }
    }
    this.#creator.abortAll();
    this.#closeTimer = startTimer(() => this.#forceClose(), timeout);
    this.#checkClosed();
    return this.#closing;
  }

  /** `close()`, for `await using pool = new ConnectionPool(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Adds a listener for one of the {@link PoolEvents}. Listeners run synchronously; one that throws
   * is ignored.
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

  // ---- endpoints ----------------------------------------------------------------------------

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

  // ---- acquiring ----------------------------------------------------------------------------

  #newAcquisition(
    ep: EndpointPool<E, C>,
    endpoint: E,
    timeout: number,
    signal: AbortSignal | undefined,
    startedAt: number,
    stack: string | undefined,
  ): Acquisition<E, C> {
    // timeout 0 never waits in line, but what it starts may take up to createTimeout.
    const budget = timeout === 0 ? this.#options.createTimeout : timeout;
    const acq = new Acquisition(
      ++this.#seq,
      ep,
      endpoint,
      timeout,
      startedAt + budget,
      signal,
      startedAt,
    );
    acq.stack = stack;
    if (acq.deadline !== Number.POSITIVE_INFINITY) this.#deadlines.add(acq);
    if (signal !== undefined) {
      const onAbort = (): void => {
        this.#totals.aborts++;
        acq.record?.context?.abort(signal.reason);
        this.#fail(acq, signal.reason);
      };
      acq.onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return acq;
  }

  /**
   * Serves `acq` (which holds nothing and waits nowhere) from idle, or queues it.
   * @param t the time now: `acquire` passes the time it has just read.
   */
  #proceed(acq: Acquisition<E, C>, t: number): void {
    if (acq.state === 'settled') return;
    let ep = this.#currentEndpoint(acq);
    const record = ep.waiters.length === 0 ? this.#takeIdle(ep, t) : null;
    if (record !== null) {
      this.#reserve(acq, record);
      this.#afterCheck(acq, record, this.#checkForReuse(record, t));
      return;
    }
    // After the idle attempt (a closed pool has nothing idle): disposing expired connections
    // there may have run a `dispose` listener that closed the pool.
    if (this.#closed) {
      this.#fail(acq, this.#closedError(acq.endpoint));
      return;
    }
    ep = this.#currentEndpoint(acq); // disposing expired connections may have emptied it
    if (ep.retryAt > t) {
      this.#fail(acq, this.#backoff.unavailableError(acq.endpoint, ep, t));
      return;
    }
    const { maxWaiters } = this.#options;
    // Served by neither an idle connection nor free capacity: it has to queue.
    const queues = !this.#canCreateNow(ep);
    if (queues) {
      if (acq.timeout === 0) {
        this.#timeOut(acq, true);
        return;
      }
      const waiting = ep.waiters.length - ep.waiters.covers;
      if (!acq.retried && waiting >= maxWaiters) {
        this.#fail(
          acq,
          new ConnectionPoolQueueFullError(
            `Cannot acquire a connection to endpoint ${show(acq.endpoint)}: ${waiting} acquirers ` +
              `already wait there, maxWaiters is ${maxWaiters}`,
          ),
        );
        return;
      }
    }
    acq.state = 'queued';
    acq.waited ||= queues;
    if (acq.retried) ep.waiters.unshift(acq);
    else ep.waiters.push(acq);
    this.#pumpEndpoint(ep);
  }

  /**
   * The endpoint pool of `acq`: the pool forgets an endpoint that holds nothing and has nobody
   * queued, which it may do while `acq` is between steps.
   */
  #currentEndpoint(acq: Acquisition<E, C>): EndpointPool<E, C> {
    if (acq.ep.forgotten) acq.ep = this.#endpointPool(acq.endpoint);
    return acq.ep;
  }

  /** `checkAliveness` before reusing an idle connection, unless it was released very recently. */
  #checkForReuse(record: Rec<E, C>, t: number): unknown {
    const skip = this.#options.skipAlivenessCheckWithin;
    if (skip > 0 && t - record.lastReleasedAt < skip) return true;
    return this.#check(record);
  }

  /**
   * Runs `checkAliveness` (if the manager has one) with the record's reusable context.
   * @returns its result, or a rejected promise if it threw.
   */
  #check(record: Rec<E, C>): unknown {
    const manager = this.#manager;
    if (manager.checkAliveness === undefined) return true;
    record.context ??= new LazyContext();
    try {
      return manager.checkAliveness(record.endpoint, record.connection, record.context);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `onAcquire`; @returns its result, or a rejected promise if it threw. */
  #onAcquire(record: Rec<E, C>): unknown {
    try {
      return this.#manager.onAcquire?.(record.endpoint, record.connection);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #reserve(acq: Acquisition<E, C>, record: Rec<E, C>): void {
    acq.state = 'busy';
    acq.record = record;
    record.acquisition = acq;
  }

  #afterCheck(acq: Acquisition<E, C>, record: Rec<E, C>, alive: unknown): void {
    if (isThenable(alive)) {
      alive.then(
        (value) => this.#checked(acq, record, value, undefined),
        (error: unknown) =>
          this.#checked(acq, record, undefined, error ?? new Error(String(error))),
      );
      return;
    }
    this.#checked(acq, record, alive, undefined);
  }

  #checked(acq: Acquisition<E, C>, record: Rec<E, C>, alive: unknown, error: unknown): void {
    record.context?.reset();
    if (record.state === 'disposed') {
      // close({ timeout }) disposed it meanwhile.
      this.#fail(acq, this.#closedError(acq.endpoint));
      return;
    }
    if (error !== undefined) {
      record.pool.errors++;
      record.pool.lastError = error;
      this.#makeAvailable(record, now(), true);
      this.#fail(acq, error);
      return;
    }
    if (alive === false) {
      this.#dead(acq, record);
      return;
    }
    if (acq.state === 'settled') {
      this.#makeAvailable(record, now(), false);
      return;
    }
    this.#startOnAcquire(acq, record, now());
  }

  #dead(acq: Acquisition<E, C>, record: Rec<E, C>): void {
    acq.record = null;
    // Its acquirer replaces it: maintainMinIdle refilling at once would put a fresh idle
    // connection before the retrying acquirer, which may find that one dead too, and so on
    // without end within one turn of the event loop. The endpoint is topped up when the
    // acquirer queues, or at the next disposal.
    const handled = this.#buryDead(record, false);
    if (isThenable(handled)) {
      handled.then(
        () => this.#retry(acq),
        (error: unknown) => this.#fail(acq, error),
      );
      return;
    }
    this.#retry(acq);
  }

  /**
   * Rule 8 for a connection `checkAliveness` found dead: disposes it and calls `onConnectionDead`.
   * @param replenish whether `maintainMinIdle` may replace it at once.
   * @returns what `onConnectionDead` returned, or a rejected promise if it threw.
   */
  #buryDead(record: Rec<E, C>, replenish: boolean): unknown {
    const { endpoint, connection } = record;
    this.#totals.deadConnections++;
    if (this.#events.has('dead')) this.#events.emit('dead', { endpoint, connection });
    this.#dispose(record, 'dead', false, undefined, replenish);
    try {
      return this.#manager.onConnectionDead?.(endpoint, connection);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #retry(acq: Acquisition<E, C>): void {
    acq.retried = true;
    this.#proceed(acq, now());
  }

  /** @param t the time now, which a synchronous `onAcquire` hands the connection out at. */
  #startOnAcquire(acq: Acquisition<E, C>, record: Rec<E, C>, t: number): void {
    this.#afterOnAcquire(acq, record, this.#onAcquire(record), t);
  }

  #afterOnAcquire(acq: Acquisition<E, C>, record: Rec<E, C>, prepared: unknown, t: number): void {
    if (isThenable(prepared)) {
      prepared.then(
        () => this.#prepared(acq, record, undefined, now()),
        (error: unknown) => this.#prepared(acq, record, error ?? new Error(String(error)), now()),
      );
      return;
    }
    this.#prepared(acq, record, undefined, t);
  }

  #prepared(acq: Acquisition<E, C>, record: Rec<E, C>, error: unknown, t: number): void {
    if (record.state === 'disposed') {
      this.#fail(acq, error ?? this.#closedError(acq.endpoint));
      return;
    }
    if (error !== undefined || acq.state === 'settled') {
      this.#makeAvailable(record, t, error !== undefined);
      if (error !== undefined) this.#fail(acq, error);
      return;
    }
    this.#settle(acq);
    if (acq.waited) this.#totals.waitedAcquires++;
    this.#handOut(record, acq.endpoint, t - acq.startedAt, t, acq.stack);
    acq.resolve(record.connection);
  }

  /** The record now belongs to its user; `stack` is given only with leak detection. */
  #handOut(
    record: Rec<E, C>,
    endpoint: E,
    waitedMs: number,
    t: number,
    stack: string | undefined,
  ): void {
    record.state = 'acquired';
    record.acquisition = null;
    record.acquiredAt = t;
    record.uses++;
    this.#totals.acquires++;
    if (stack !== undefined) this.#leaks?.hold(record, stack, t);
    if (this.#events.has('acquire')) {
      this.#events.emit('acquire', { endpoint, connection: record.connection, waitedMs });
    }
  }

  /** Takes `acq` out of every queue and heap; its promise is settled by the caller. */
  #settle(acq: Acquisition<E, C>): void {
    if (acq.state === 'queued') this.#dequeue(acq);
    acq.state = 'settled';
    if (acq.deadline !== Number.POSITIVE_INFINITY) this.#deadlines.remove(acq);
    if (acq.onAbort !== null) {
      acq.signal?.removeEventListener('abort', acq.onAbort);
      acq.onAbort = null;
    }
  }

  /** Takes the queued `acq` out of its endpoint's queue. */
  #dequeue(acq: Acquisition<E, C>): void {
    acq.ep.waiters.remove(acq);
    this.#updateBlocked(acq.ep);
  }

  #fail(acq: Acquisition<E, C>, error: unknown): void {
    if (acq.state === 'settled') return;
    this.#settle(acq);
    this.#forgetIfEmpty(acq.ep);
    acq.reject(error);
  }

  /** @param refused a `timeout: 0` acquire found nothing to serve it at once. */
  #timeOut(acq: Acquisition<E, C>, refused: boolean): void {
    const ep = acq.ep;
    const cause = ep.errors > acq.errorsAtStart ? { cause: ep.lastError } : undefined;
    const { maxSize, totalMaxSize } = this.#options;
    const what = refused
      ? 'No idle connection or free capacity (timeout 0)'
      : `Timed out after ${acq.deadline - acq.startedAt} ms`;
    const error = new ConnectionPoolTimeoutError(
      `${what} acquiring a connection to endpoint ${show(acq.endpoint)}: ` +
        `${ep.size} of maxSize ${maxSize} at this endpoint, ` +
        `${this.#size} of totalMaxSize ${totalMaxSize} in the pool`,
      cause,
    );
    acq.record?.context?.abort(error);
    this.#totals.timeouts++;
    this.#fail(acq, error);
    if (this.#events.has('timeout')) this.#events.emit('timeout', { endpoint: acq.endpoint });
  }

  // ---- capacity -----------------------------------------------------------------------------

  /** Whether a connection for `ep` could be created right now without waiting behind anyone. */
  #canCreateNow(ep: EndpointPool<E, C>): boolean {
    if (ep.waiters.firstUncovered !== null || ep.size >= this.#options.maxSize) return false;
    if (!this.#mayCreate(ep)) return false;
    if (this.#size < this.#options.totalMaxSize) return true;
    return this.#blocked.length === 0 && this.#expiry.length > 0;
  }

  /**
   * After a failed create, once its wait is over, an endpoint creates one connection at a time
   * (a probe) until one succeeds. During the wait itself nobody is queued there.
   */
  #mayCreate(ep: EndpointPool<E, C>): boolean {
    return ep.failures === 0 || ep.creating === 0;
  }

  /** Starts creates for `ep`'s uncovered waiters as far as the limits allow. */
  #pumpEndpoint(ep: EndpointPool<E, C>): void {
    while (
      ep.waiters.firstUncovered !== null &&
      ep.size < this.#options.maxSize &&
      this.#mayCreate(ep)
    ) {
      // Behind endpoints already waiting for total capacity, wait in their line.
      if (
        this.#size >= this.#options.totalMaxSize &&
        (this.#blocked.length > 0 || !this.#evict())
      ) {
        break;
      }
      this.#startCreate(ep);
    }
    this.#updateBlocked(ep);
    this.#replenish(ep);
  }

  /** Serves endpoints waiting for total capacity, oldest waiter first, while there is room. */
  #pumpTotal(): void {
    while (this.#size < this.#options.totalMaxSize) {
      const ep = this.#blocked.peek();
      if (ep === undefined) return;
      this.#startCreate(ep);
    }
  }

  /** Keeps `ep` in the heap of endpoints waiting for total capacity exactly while it is. */
  #updateBlocked(ep: EndpointPool<E, C>): void {
    if (
      ep.waiters.firstUncovered !== null &&
      ep.size < this.#options.maxSize &&
      this.#mayCreate(ep) &&
      !this.#closed
    ) {
      if (ep.heapIndex === -1) this.#blocked.push(ep);
      else this.#blocked.update(ep);
    } else if (ep.heapIndex !== -1) {
      this.#blocked.remove(ep);
    }
  }

  /**
   * A connection of `ep` was disposed or a create failed: hand the room to whoever waits longest.
   * @param replenish false where `maintainMinIdle` refilling at once could loop within one turn of
   *   the event loop: after a failed create without backoff (creates of this and starved endpoints
   *   failing in turn) and for a connection its acquirer found dead. Refilling then waits for the
   *   next acquire or disposal.
   */
  #capacityFreed(ep: EndpointPool<E, C>, replenish = true): void {
    this.#updateBlocked(ep);
    this.#pumpTotal();
    if (replenish) {
      this.#replenish(ep);
      if (this.#starved.size > 0 && !this.#evicting) {
        // Ends: an endpoint that gets no room goes back in only when the pool is full.
        for (const starved of this.#starved) {
          if (this.#size >= this.#options.totalMaxSize) break;
          this.#replenish(starved);
        }
      }
    }
    this.#forgetIfEmpty(ep);
    if (this.#closed) this.#checkClosed();
  }

  /** Disposes the idle connection that is best to lose: extra before persistent, soonest expiry. */
  #evict(): boolean {
    const victim = this.#expiry.victim();
    if (victim === undefined) return false;
    this.#totals.evictions++;
    this.#evicting = true;
    this.#dispose(victim, 'evicted', false);
    this.#evicting = false;
    return true;
  }

  // ---- creating -----------------------------------------------------------------------------

  /**
   * Starts one create for `ep`: its connection serves the oldest waiter or becomes idle.
   * @param done called once with its outcome (for `prewarm`).
   */
  #startCreate(
    ep: EndpointPool<E, C>,
    endpoint: E = ep.waiters.firstUncovered?.endpoint ?? ep.endpoint,
    done?: (failed: boolean, error: unknown) => void,
  ): void {
    ep.waiters.cover();
    this.#size++;
    this.#updateBlocked(ep);
    this.#creator.start({ ep, endpoint, startedAt: now(), seq: this.#createSeq++, done });
  }

  /**
   * @returns `undefined` when the connection was taken, or the error of the failed create when it
   *   was a duplicate of one in the pool.
   */
  #created(create: PendingCreate<E, C>, connection: C): TypeError | undefined {
    const { ep, endpoint, startedAt } = create;
    if (this.#records.has(connection)) {
      const error = new TypeError(
        `create returned a connection that is already in the pool (endpoint ${show(endpoint)}); ` +
          'each connection must be a distinct value',
      );
      this.#createFailed(create, error);
      return error;
    }
    const t = now();
    const { maxLifetime, maxLifetimeJitter } = this.#options;
    const lifetime =
      maxLifetimeJitter > 0 ? maxLifetime * (1 - maxLifetimeJitter * Math.random()) : maxLifetime;
    const record = new ConnectionRecord(ep, endpoint, connection, t, lifetime);
    ep.waiters.uncover();
    ep.acquired++;
    this.#totals.created++;
    this.#records.set(connection, record);
    if (this.#events.has('create')) {
      this.#events.emit('create', { endpoint, connection, durationMs: t - startedAt });
    }
    const recovered = ep.failures > 0;
    if (recovered) this.#backoff.recovered(ep);
    this.#makeAvailable(record, t, false);
    // The probe succeeded: acquirers queued behind it get creates of their own.
    if (recovered) this.#pumpEndpoint(ep);
    return undefined;
  }

  #createFailed(create: PendingCreate<E, C>, error: unknown): void {
    const { ep, endpoint, startedAt, seq } = create;
    ep.waiters.uncover();
    this.#size--;
    this.#totals.createErrors++;
    ep.errors++;
    ep.lastError = error;
    ep.lastCreateError = error;
    const t = now();
    if (this.#events.has('createError')) {
      this.#events.emit('createError', { endpoint, error, durationMs: t - startedAt });
    }
    // After close, creates fail because close aborted them: no backoff, no timer.
    const backoff = this.#options.createRetryDelay > 0;
    const counted = backoff && seq >= ep.failedMark && !this.#closed;
    if (counted) this.#backoff.failed(ep, t, this.#createSeq);
    // The oldest waiter gets the error; while the endpoint backs off, the others fail at once.
    const head = ep.waiters.head;
    if (head !== null) this.#fail(head, error);
    if (counted) {
      for (let waiter = ep.waiters.head; waiter !== null; waiter = ep.waiters.head) {
        this.#fail(waiter, this.#backoff.unavailableError(waiter.endpoint, ep, t));
      }
    }
    this.#capacityFreed(ep, backoff);
  }

  /**
   * The backoff of `ep` is over (with `maintainMinIdle`: refill it) or it has been quiet for the
   * longest wait (without: forget it if empty).
   */
  #woken(ep: EndpointPool<E, C>): void {
    if (this.#options.maintainMinIdle) this.#replenish(ep);
    else this.#forgetIfEmpty(ep);
  }

  // ---- maintainMinIdle ----------------------------------------------------------------------

  /**
   * With `maintainMinIdle`: opens connections until `ep` has `minIdle`, using free total capacity
   * only (never evicting), and not while it backs off (its wake-up comes back here).
   */
  #replenish(ep: EndpointPool<E, C>): void {
    if (!this.#options.maintainMinIdle || this.#closed || ep.retryAt > now()) return;
    const { minIdle, totalMaxSize } = this.#options;
    while (
      ep.size < minIdle &&
      this.#size < totalMaxSize &&
      !this.#evicting &&
      this.#mayCreate(ep)
    ) {
      this.#startCreate(ep);
    }
    // Short of total capacity: it gets the next room freed anywhere.
    this.#starved.delete(ep);
    if (ep.size < minIdle && (this.#size >= totalMaxSize || this.#evicting)) this.#starved.add(ep);
  }

  // ---- idle and release ---------------------------------------------------------------------

  /**
   * A counted-as-acquired record is free again: it goes to the oldest waiter of its endpoint, or
   * becomes idle (and then room is made for endpoints waiting for total capacity).
   *
   * @param check whether a waiter must check it first: it comes back after a failed check or
   *   `onAcquire`. One just released, created or checked is handed over as it is.
   */
  #makeAvailable(record: Rec<E, C>, t: number, check: boolean): void {
    if (this.#closed) {
      this.#dispose(record, 'closed', false);
      return;
    }
    const ep = record.pool;
    const head = ep.waiters.head;
    if (head !== null) {
      this.#dequeue(head);
      this.#reserve(head, record);
      if (check) this.#afterCheck(head, record, this.#checkForReuse(record, t));
      else this.#startOnAcquire(head, record, t);
      return;
    }
    this.#makeIdle(record, t);
    if (this.#blocked.length > 0) this.#evict();
  }

  #makeIdle(record: Rec<E, C>, t: number): void {
    const ep = record.pool;
    const { minIdle, idleTimeout } = this.#options;
    // Rule 2: persistent while persistent idle + other acquired connections are fewer than minIdle.
    const persistent = ep.persistent.length + ep.acquired - 1 < minIdle;
    const expiresAt = persistent
      ? record.lifetimeEndsAt
      : Math.min(Math.floor(record.lastReleasedAt + idleTimeout), record.lifetimeEndsAt);
    record.expiresAt = expiresAt;
    if (expiresAt <= t) {
      this.#dispose(record, expiryReason(record), false);
      return;
    }
    ep.acquired--;
    record.state = 'idle';
    record.acquisition = null;
    record.persistent = persistent;
    if (persistent) ep.persistent.push(record);
    else ep.extra.push(record);
    this.#expiry.add(record);
    this.#keepAlive?.schedule(t);
  }

  /** Takes the next idle connection of `ep` that has not expired, disposing expired ones. */
  #takeIdle(ep: EndpointPool<E, C>, t: number): Rec<E, C> | null {
    for (let record = ep.nextIdle(); record !== null; record = ep.nextIdle()) {
      if (record.expiresAt <= t) {
        this.#dispose(record, expiryReason(record), false);
        continue;
      }
      this.#reserveIdle(record);
      return record;
    }
    return null;
  }

  /** The idle `record` is taken for a check or an acquirer: counted as acquired from now. */
  #reserveIdle(record: Rec<E, C>): void {
    this.#detachIdle(record);
    record.pool.acquired++;
    record.state = 'reserved';
  }

  #detachIdle(record: Rec<E, C>): void {
    if (record.persistent) record.pool.persistent.remove(record);
    else record.pool.extra.remove(record);
    this.#expiry.remove(record);
  }

  #finishRelease(record: Rec<E, C>, t: number): Promise<void> {
    if (record.state !== 'releasing') return RESOLVED; // close({ timeout }) disposed it meanwhile
    if (this.#closed) return this.#dispose(record, 'closed', true);
    if (record.lifetimeEndsAt <= t) return this.#dispose(record, 'lifetime', true);
    if (record.uses >= this.#options.maxUses) return this.#dispose(record, 'maxUses', true);
    record.lastReleasedAt = Math.floor(t);
    this.#makeAvailable(record, t, false);
    if (!this.#options.backgroundCollector) this.#expiry.collectBatch(t, this.#size);
    return RESOLVED;
  }

  #notAcquired(connection: C, record: Rec<E, C> | undefined, verb: string): Promise<void> {
    if (this.#forced?.has(connection)) return RESOLVED;
    const what =
      record === undefined
        ? `${show(connection)}: it is not a connection of this pool, or it was already disposed`
        : `to endpoint ${show(record.endpoint)}: it is ${record.state === 'idle' ? 'idle (already released)' : `not acquired (${record.state})`}`;
    return Promise.reject(new ConnectionNotAcquiredError(`Cannot ${verb} connection ${what}`));
  }

  // ---- keepalive ----------------------------------------------------------------------------

  /**
   * A keepalive sweep at `t` found the idle `record` due. While checked it is reserved (counted as
   * acquired), so no acquirer can take it meanwhile: one that comes then creates a connection or
   * waits, and gets this one if it turns out alive. No acquirer's deadline bounds this check, so
   * it gets `createTimeout`: a check that has not answered by then is aborted and its connection
   * counts as dead, or a hung check would hold its room forever.
   */
  #keepAliveCheck(record: Rec<E, C>, t: number): void {
    this.#reserveIdle(record);
    record.lastCheckedAt = Math.floor(t);
    const alive = this.#check(record);
    if (!isThenable(alive)) {
      this.#keptAlive(record, alive, false);
      return;
    }
    const budget = this.#options.createTimeout;
    const timer = startTimer(() => this.#keepAliveTimedOut(record, budget), budget, false);
    alive.then(
      (value) => {
        clearTimeout(timer);
        this.#keptAlive(record, value, false);
      },
      () => {
        clearTimeout(timer);
        this.#keptAlive(record, undefined, true);
      },
    );
  }

  /** A keepalive check ran out of `budget` ms: aborted, and its connection handled as dead. */
  #keepAliveTimedOut(record: Rec<E, C>, budget: number): void {
    if (record.state !== 'reserved') return; // close({ timeout }) disposed it meanwhile
    record.context?.abort(
      new ConnectionPoolTimeoutError(
        `Keepalive check of a connection to endpoint ${show(record.endpoint)} did not answer ` +
          `within createTimeout (${budget} ms)`,
      ),
    );
    this.#keptAlive(record, false, false);
  }

  /** A keepalive check ended; a check that threw leaves the connection to the next acquirer's. */
  #keptAlive(record: Rec<E, C>, alive: unknown, failed: boolean): void {
    record.context?.reset();
    if (record.state === 'disposed') return; // close({ timeout }) disposed it meanwhile
    if (alive === false) {
      // Nobody waits for this: an onConnectionDead error has no one to go to.
      const handled = this.#buryDead(record, true);
      if (isThenable(handled)) handled.then(undefined, () => undefined);
      return;
    }
    this.#makeAvailable(record, now(), failed);
  }

  // ---- disposing ----------------------------------------------------------------------------

  /**
   * Removes `record` from every list and count and disposes its connection. The room it leaves is
   * handed on at once; the returned promise settles when `dispose` has (it never rejects).
   *
   * @param awaited whether a caller awaits the disposal (then its timer keeps the process alive).
   */
  #dispose(
    record: Rec<E, C>,
    reason: DisposeReason,
    awaited: boolean,
    cause?: unknown,
    replenish = true,
  ): Promise<void> {
    const ep = record.pool;
    if (record.state === 'idle') {
      this.#detachIdle(record);
    } else {
      if (record.heapIndex !== -1) this.#leaks?.release(record);
      ep.acquired--;
    }
    record.state = 'disposed';
    record.acquisition = null;
    this.#records.delete(record.connection);
    this.#size--;
    this.#totals.disposed++;
    const { endpoint, connection } = record;
    if (this.#events.has('dispose')) {
      this.#events.emit(
        'dispose',
        cause === undefined
          ? { endpoint, connection, reason }
          : { endpoint, connection, reason, cause },
      );
    }
    const done = this.#disposer.dispose(endpoint, connection, awaited);
    this.#capacityFreed(ep, replenish);
    return done;
  }

  // ---- closing ------------------------------------------------------------------------------

  #closedError(endpoint: E): ConnectionPoolClosedError {
    return new ConnectionPoolClosedError(
      `Cannot acquire a connection to endpoint ${show(endpoint)}: the pool is closed`,
    );
  }

  /** `close({ timeout })` ran out: connections still acquired are disposed anyway. */
  #forceClose(): void {
    this.#closeTimer = undefined;
    this.#forced ??= new Set();
    for (const record of this.#records.values()) {
      if (record.state === 'idle' || record.state === 'disposed') continue;
      this.#forced.add(record.connection);
      record.context?.abort(this.#closedError(record.endpoint));
      this.#dispose(record, 'closed', true);
    }
  }

  #checkClosed(): void {
    if (this.#closeDone === undefined || this.#size > 0 || this.#disposer.running > 0) return;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#closeDone();
    this.#closeDone = undefined;
  }
}
