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
export interface PoolOptions<E> {
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
} as const;

type Kind = 'duration' | 'positiveDuration' | 'count' | 'positiveCount' | 'boolean' | 'function';

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

function checkOne(name: string, kind: Kind, value: unknown): void {
  switch (kind) {
    case 'duration':
    case 'positiveDuration':
      checkDuration(name, value, kind === 'positiveDuration');
      return;
    case 'count':
    case 'positiveCount': {
      if (typeof value !== 'number') {
        throw new TypeError(`${name} must be an integer, received ${show(value)}`);
      }
      const min = kind === 'positiveCount' ? 1 : 0;
      if (!Number.isInteger(value) || value < min) {
        throw new RangeError(
          `${name} must be an integer of at least ${min}, received ${show(value)}`,
        );
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw new TypeError(`${name} must be a boolean, received ${show(value)}`);
      }
      return;
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
  return result;
}
