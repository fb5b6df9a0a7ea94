import type { ConnectionBudget } from './budget.ts';
import { show } from './internal/show.ts';

/** Turns an endpoint into the key under which its connections are pooled. */
export type EndpointKeyFunction<E> = (endpoint: E) => string | number;

/**
 * Options of a {@link ConnectionPool}. All times are milliseconds; every option is validated when
 * the pool is constructed, and `undefined` means the default.
 *
 * @example
 * ```ts
 * new ConnectionPool(manager, { minIdle: 2, maxSize: 20, totalMaxSize: 50, idleTimeout: 30_000 });
 * ```
 */
export interface PoolOptions<E, C = unknown> {
  /**
   * How long one `acquire` may take in all: queueing, creating, checking. `Infinity` waits forever.
   * @default 30_000
   */
  acquireTimeout?: number | undefined;
  /**
   * How long one `create` may take, also when its acquirer has gone. Must be above 0.
   * @default 30_000
   */
  createTimeout?: number | undefined;
  /**
   * How long one `dispose` may take; after it the connection counts as gone. Must be above 0.
   * @default 5_000
   */
  disposeTimeout?: number | undefined;
  /**
   * With `backgroundCollector: false`: how many due connections one `release` disposes.
   * `0` means `floor(log2(size + 1)) + 1`.
   * @default 0
   */
  disposeBatchSize?: number | undefined;
  /**
   * Expire idle connections on a timer (which never keeps the process alive). With `false`
   * they are disposed during `release` and skipped by `acquire`.
   * @default true
   */
  backgroundCollector?: boolean | undefined;
  /**
   * An *extra* idle connection (one beyond `minIdle`) is disposed after this long unused.
   * `0` disposes extras at release. At most `maxLifetime`.
   * @default 60_000
   */
  idleTimeout?: number | undefined;
  /**
   * Any idle connection is disposed once this old (acquired ones when released).
   * @default 3_600_000
   */
  maxLifetime?: number | undefined;
  /**
   * Per endpoint: how many idle connections are *persistent*, exempt from `idleTimeout`.
   * At most `maxSize`.
   * @default 1
   */
  minIdle?: number | undefined;
  /**
   * Per endpoint: most connections, counting idle, acquired and being created. At least 1.
   * @default 10
   */
  maxSize?: number | undefined;
  /**
   * All endpoints together: most connections. At least `maxSize`.
   * @default 100
   */
  totalMaxSize?: number | undefined;
  /**
   * Maps an endpoint to its key; endpoints with equal keys share connections. Without it, strings
   * and numbers are their own key and arrays and plain objects are keyed by their content.
   * @example `endpointKey: (e: URL) => e.origin`
   */
  endpointKey?: EndpointKeyFunction<E> | undefined;
  /**
   * Keep `minIdle` connections open (idle, acquired or being created) per *known* endpoint: one
   * acquired once or `prewarm`ed. A connection disposed for any reason is replaced at once, in the
   * background, when there is free capacity; it never evicts another endpoint's connection.
   * Failed creates back off like acquirers' (`createRetryDelay`). Known endpoints are remembered
   * until `close`.
   * @default false
   */
  maintainMinIdle?: boolean | undefined;
  /**
   * Fraction in [0, 1): each connection's lifetime is `maxLifetime * (1 - maxLifetimeJitter * r)`
   * for a random `r` in [0, 1) fixed at creation, so connections made together do not expire together.
   * @default 0
   * @example `maxLifetimeJitter: 0.2` spreads expiry over the last fifth of `maxLifetime`.
   */
  maxLifetimeJitter?: number | undefined;
  /**
   * A connection acquired this many times is disposed at its release (reason `'maxUses'`), e.g.
   * to spread load after a server's failover or to bound a leaky driver. At least 1.
   * @default Infinity
   */
  maxUses?: number | undefined;
  /**
   * Per endpoint: an `acquire` that would wait (no idle connection, no create it could start)
   * behind this many waiters not already covered by a create rejects at once with
   * `ConnectionPoolQueueFullError`. Bounds the queue and its latency under overload.
   * @default Infinity
   */
  maxWaiters?: number | undefined;
  /**
   * A connection released less than this long ago is reused without `checkAliveness`: saves a
   * round trip per acquire for hot connections.
   * @default 0
   */
  skipAlivenessCheckWithin?: number | undefined;
  /**
   * Every this many ms, idle connections not used or checked for that long are checked with
   * `checkAliveness` in the background; dead ones are disposed (reason `'dead'`) and
   * `onConnectionDead` is called. A check gets `createTimeout`: one that has not answered by then
   * is aborted and its connection counts as dead. `0` is off. Use it for servers or middleboxes
   * that drop quiet connections.
   * @default 0
   */
  keepAliveInterval?: number | undefined;
  /**
   * A connection held at least this long emits one `leak` event with the stack of its `acquire`.
   * `0` is off and costs nothing; otherwise every acquire captures a stack trace.
   * @default 0
   */
  leakDetectionThreshold?: number | undefined;
  /**
   * After a `create` fails for an endpoint, its next create waits this long; each further failure
   * doubles the wait (with jitter) up to `createRetryMaxDelay`; a success resets it. While an
   * endpoint waits, its acquirers that no idle connection can serve fail at once with
   * `EndpointUnavailableError`. `0` turns the backoff off. At most `createRetryMaxDelay`.
   * @default 100
   */
  createRetryDelay?: number | undefined;
  /**
   * The longest wait of the create backoff; see `createRetryDelay`.
   * @default 30_000
   */
  createRetryMaxDelay?: number | undefined;
  /**
   * A limit on this endpoint's connections across every process that shares the budget (see
   * {@link ConnectionBudget}; `PgFleetBudget` of `contrib/pg` keeps one in PostgreSQL). It is
   * consulted only where a connection is created and where it is disposed. While it is full,
   * acquirers wait for room anywhere in the fleet, within their deadline.
   * @default undefined (no budget)
   */
  budget?: ConnectionBudget<E, C> | undefined;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions<E> {
  readonly acquireTimeout: number;
  readonly createTimeout: number;
  readonly disposeTimeout: number;
  readonly disposeBatchSize: number;
  readonly backgroundCollector: boolean;
  readonly idleTimeout: number;
  readonly maxLifetime: number;
  readonly minIdle: number;
  readonly maxSize: number;
  readonly totalMaxSize: number;
  readonly endpointKey: EndpointKeyFunction<E> | undefined;
  readonly maintainMinIdle: boolean;
  readonly maxLifetimeJitter: number;
  readonly maxUses: number;
  readonly maxWaiters: number;
  readonly skipAlivenessCheckWithin: number;
  readonly keepAliveInterval: number;
  readonly leakDetectionThreshold: number;
  readonly createRetryDelay: number;
  readonly createRetryMaxDelay: number;
  readonly budget: ConnectionBudget<E, unknown> | undefined;
}

const DEFAULTS = {
  acquireTimeout: 30_000,
  createTimeout: 30_000,
  disposeTimeout: 5_000,
  disposeBatchSize: 0,
  backgroundCollector: true,
  idleTimeout: 60_000,
  maxLifetime: 3_600_000,
  minIdle: 1,
  maxSize: 10,
  totalMaxSize: 100,
  endpointKey: undefined,
  maintainMinIdle: false,
  maxLifetimeJitter: 0,
  maxUses: Number.POSITIVE_INFINITY,
  maxWaiters: Number.POSITIVE_INFINITY,
  skipAlivenessCheckWithin: 0,
  keepAliveInterval: 0,
  leakDetectionThreshold: 0,
  createRetryDelay: 100,
  createRetryMaxDelay: 30_000,
  budget: undefined,
} as const;

type Kind =
  | 'duration'
  | 'positiveDuration'
  | 'count'
  | 'positiveCount'
  | 'limit'
  | 'positiveLimit'
  | 'fraction'
  | 'boolean'
  | 'function'
  | 'budget';

/** Counts: the least value and whether `Infinity` (no limit) is allowed. */
const COUNTS = {
  count: { min: 0, infinite: false },
  positiveCount: { min: 1, infinite: false },
  limit: { min: 0, infinite: true },
  positiveLimit: { min: 1, infinite: true },
} as const;

const KINDS: Record<keyof ResolvedOptions<unknown>, Kind> = {
  acquireTimeout: 'duration',
  createTimeout: 'positiveDuration',
  disposeTimeout: 'positiveDuration',
  disposeBatchSize: 'count',
  backgroundCollector: 'boolean',
  idleTimeout: 'duration',
  maxLifetime: 'duration',
  minIdle: 'count',
  maxSize: 'positiveCount',
  totalMaxSize: 'positiveCount',
  endpointKey: 'function',
  budget: 'budget',
  maintainMinIdle: 'boolean',
  maxLifetimeJitter: 'fraction',
  maxUses: 'positiveLimit',
  maxWaiters: 'limit',
  skipAlivenessCheckWithin: 'duration',
  keepAliveInterval: 'duration',
  leakDetectionThreshold: 'duration',
  createRetryDelay: 'duration',
  createRetryMaxDelay: 'duration',
};

/**
 * Checks a duration: a number of milliseconds, not negative, `Infinity` allowed.
 * @throws TypeError for a non-number, RangeError for NaN or a negative number.
 */
export function checkDuration(name: string, value: unknown, positive = false): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number of milliseconds, received ${show(value)}`);
  }
  if (Number.isNaN(value) || value < 0 || (positive && value === 0)) {
    const expected = positive ? 'above 0' : 'at least 0';
    throw new RangeError(`${name} must be ${expected} milliseconds, received ${show(value)}`);
  }
  return value;
}

/**
 * Checks a count: an integer of at least `min`, or `Infinity` when `infinite`.
 * @throws TypeError for a non-number, RangeError for anything else out of range.
 */
export function checkCount(name: string, value: unknown, min: number, infinite = false): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be an integer, received ${show(value)}`);
  }
  const unlimited = infinite && value === Number.POSITIVE_INFINITY;
  if (!unlimited && (!Number.isInteger(value) || value < min)) {
    const or = infinite ? ' or Infinity' : '';
    throw new RangeError(
      `${name} must be an integer of at least ${min}${or}, received ${show(value)}`,
    );
  }
  return value;
}

function checkOne(name: string, kind: Kind, value: unknown): void {
  switch (kind) {
    case 'duration':
    case 'positiveDuration':
      checkDuration(name, value, kind === 'positiveDuration');
      return;
    case 'count':
    case 'positiveCount':
    case 'limit':
    case 'positiveLimit':
      checkCount(name, value, COUNTS[kind].min, COUNTS[kind].infinite);
      return;
    case 'fraction':
      if (typeof value !== 'number') {
        throw new TypeError(`${name} must be a number in [0, 1), received ${show(value)}`);
      }
      if (!(value >= 0 && value < 1)) {
        throw new RangeError(`${name} must be at least 0 and below 1, received ${show(value)}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw new TypeError(`${name} must be a boolean, received ${show(value)}`);
      }
      return;
    case 'budget': {
      const budget = value as Record<string, unknown> | null;
      const missing =
        typeof budget !== 'object' || budget === null
          ? ['limit', 'claim', 'release']
          : ['limit', 'claim', 'release'].filter((m) => typeof budget[m] !== 'function');
      if (missing.length > 0) {
        throw new TypeError(
          `${name} must be a ConnectionBudget (with ${missing.join(', ')} methods), received ${show(value)}`,
        );
      }
      const interval = (budget as { pollInterval?: unknown }).pollInterval;
      if (interval !== undefined) checkDuration(`${name}.pollInterval`, interval, true);
      return;
    }
    case 'function':
      if (typeof value !== 'function') {
        throw new TypeError(`${name} must be a function, received ${show(value)}`);
      }
      return;
  }
}

/**
 * Validates `options` and fills in the defaults.
 * @throws TypeError or RangeError naming the option and the value received.
 */
export function resolveOptions<E>(options: PoolOptions<E> | undefined): ResolvedOptions<E> {
  if (options === undefined) return DEFAULTS;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`options must be an object, received ${show(options)}`);
  }
  const resolved: Record<string, unknown> = { ...DEFAULTS };
  for (const [name, value] of Object.entries(options)) {
    const kind = (KINDS as Record<string, Kind | undefined>)[name];
    if (kind === undefined) {
      throw new TypeError(
        `Unknown option ${show(name)}; known options: ${Object.keys(KINDS).join(', ')}`,
      );
    }
    if (value === undefined) continue;
    checkOne(name, kind, value);
    resolved[name] = value;
  }
  const result = resolved as unknown as ResolvedOptions<E>;
  if (result.minIdle > result.maxSize) {
    throw new RangeError(`minIdle (${result.minIdle}) must not exceed maxSize (${result.maxSize})`);
  }
  if (result.maxSize > result.totalMaxSize) {
    throw new RangeError(
      `maxSize (${result.maxSize}) must not exceed totalMaxSize (${result.totalMaxSize})`,
    );
  }
  if (result.idleTimeout > result.maxLifetime) {
    throw new RangeError(
      `idleTimeout (${result.idleTimeout}) must not exceed maxLifetime (${result.maxLifetime})`,
    );
  }
  if (result.createRetryDelay > result.createRetryMaxDelay) {
    throw new RangeError(
      `createRetryDelay (${result.createRetryDelay}) must not exceed createRetryMaxDelay (${result.createRetryMaxDelay})`,
    );
  }
  return result;
}

/**
 * Checks the options of one `acquire`, `connection` or `lease` call: an object whose only keys are
 * `timeout` and `signal`, with `signal` an AbortSignal (`timeout` is checked by the caller).
 * @throws TypeError naming the key or the value that is wrong.
 */
export function checkAcquireOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`acquire options must be an object, received ${show(options)}`);
  }
  for (const name in options) {
    if (name !== 'timeout' && name !== 'signal') {
      throw new TypeError(
        `Unknown acquire option ${show(name)}; known acquire options: timeout, signal`,
      );
    }
  }
  const { signal } = options as { signal?: unknown };
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, received ${show(signal)}`);
  }
}
