/**
 * Reports a {@link ConnectionPool} through an OpenTelemetry `Meter` with the semantic conventions'
 * database client connection metrics, one pool name per endpoint.
 *
 * How it works: the gauges (`count` by state, `max`, `pending_requests`) are read from one
 * `pool.stats()` per collection, in a batch observable callback; `timeouts` and the three time
 * histograms are fed by pool events, converted from milliseconds to seconds. Nothing here runs
 * on the pool's hot path except four small listeners.
 */
import type { Attributes, BatchObservableCallback, Meter } from '@opentelemetry/api';
import type { ConnectionPool, PoolEvents } from '../../index.ts';
import { createInstruments, POOL_NAME, STATE } from './metrics.ts';
import { defaultPoolName } from './pool-name.ts';

/**
 * Options of {@link instrumentPool}.
 *
 * @example
 * instrumentPool(pool, meter, { poolName: ([host, port]) => `orders ${host}:${port}` });
 */
export interface InstrumentPoolOptions<E> {
  /**
   * The value of `db.client.connection.pool.name` for an endpoint. Give each endpoint (each
   * endpoint key) its own name, unique in the application: prefix it when several pools report
   * through one meter. Endpoints that share a name add up in the gauges.
   * @default strings as they are; anything else as JSON with object keys sorted:
   * `'replica-1'`, `'["127.0.0.1",5432]'`
   */
  readonly poolName?: ((endpoint: E) => string) | undefined;
}

/**
 * What {@link instrumentPool} returns.
 *
 * @example
 * const instrumentation = instrumentPool(pool, meter);
 * await pool.close();
 * await meterProvider.forceFlush(); // the gauges read 0
 * instrumentation.stop();
 */
export interface PoolInstrumentation {
  /**
   * Stops reporting: removes the pool listeners and the observable callback. Calling it again
   * does nothing. The instruments stay in the meter, and the SDK keeps exporting their last
   * values; stop after a collection that followed `pool.close()` to leave them at 0.
   */
  stop(): void;
}

const OPTION_NAMES = ['poolName'];

/**
 * Reports `pool` through `meter` (from your `MeterProvider`) until `stop()`:
 * - `db.client.connection.count` (observable up-down counter, `{connection}`): idle and acquired
 *   connections per endpoint, with `db.client.connection.state` `idle` and `used`; connections
 *   being created are in neither.
 * - `db.client.connection.max` (observable up-down counter, `{connection}`): `pool.maxSize`, the
 *   limit per endpoint (`totalMaxSize` spans endpoints, so it has no pool name to go under).
 * - `db.client.connection.pending_requests` (observable up-down counter, `{request}`): queued
 *   acquirers per endpoint.
 * - `db.client.connection.timeouts` (counter, `{timeout}`): acquires that ran out of time.
 * - With a connection `budget` only (not in the semantic conventions): `db.client.connection.budget.limit`,
 *   `.budget.held` (slots this pool holds) and `.budget.pending_requests` (acquirers waiting for
 *   budget), observable up-down counters per endpoint.
 * - `db.client.connection.create_time` (histogram, `s`): successful creates.
 * - `db.client.connection.wait_time` (histogram, `s`): every successful acquire, 0 when served at once.
 * - `db.client.connection.use_time` (histogram, `s`): acquire to release (discarded connections
 *   and those disposed by a `close` timeout are not released, so not recorded).
 *
 * Every data point has `db.client.connection.pool.name` (see {@link InstrumentPoolOptions.poolName}).
 * An endpoint the pool has forgotten keeps being reported, at 0, so gauges do not freeze at their
 * last value. Only types are imported from `@opentelemetry/api`.
 *
 * @throws TypeError for a `pool` or `meter` that is not one, or bad options.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { instrumentPool } from 'generic-connection-pool/contrib/otel';
 *
 * const instrumentation = instrumentPool(pool, metrics.getMeter('my-service'));
 * ```
 */
export function instrumentPool<E, C>(
  pool: ConnectionPool<E, C>,
  meter: Meter,
  options: InstrumentPoolOptions<E> = {},
): PoolInstrumentation {
  checkArguments(pool, meter, options);
  const nameOf = options.poolName ?? defaultPoolName;
  const instruments = createInstruments(meter);

  /** Every pool name seen in an event or a collection: reported on, at 0 once its endpoint is gone. */
  const known = new Set<string>();
  const attributes = (endpoint: E): Attributes => {
    const name = nameOf(endpoint);
    known.add(name);
    return { [POOL_NAME]: name };
  };

  const unsubscribe = [
    listen(pool, 'create', ({ endpoint, durationMs }) => {
      instruments.createTime.record(durationMs / 1000, attributes(endpoint));
    }),
    listen(pool, 'acquire', ({ endpoint, waitedMs }) => {
      instruments.waitTime.record(waitedMs / 1000, attributes(endpoint));
    }),
    listen(pool, 'release', ({ endpoint, heldMs }) => {
      instruments.useTime.record(heldMs / 1000, attributes(endpoint));
    }),
    listen(pool, 'timeout', ({ endpoint }) => {
      instruments.timeouts.add(1, attributes(endpoint));
    }),
  ];

  const observe: BatchObservableCallback = (result) => {
    const current = new Map<string, { idle: number; used: number; pending: number }>();
    const budgets = new Map<string, { limit: number; held: number; waiting: number }>();
    for (const { endpoint, idle, acquired, waiting, budget } of pool.stats().endpoints) {
      const name = nameOf(endpoint);
      known.add(name);
      const sum = current.get(name);
      if (sum === undefined) current.set(name, { idle, used: acquired, pending: waiting });
      else {
        sum.idle += idle;
        sum.used += acquired;
        sum.pending += waiting;
      }
      if (budget === undefined) continue;
      const shared = budgets.get(name);
      if (shared === undefined) budgets.set(name, { ...budget });
      else {
        shared.held += budget.held;
        shared.waiting += budget.waiting;
      }
    }
    for (const [name, { limit, held, waiting }] of budgets) {
      result.observe(instruments.budgetLimit, limit, { [POOL_NAME]: name });
      result.observe(instruments.budgetHeld, held, { [POOL_NAME]: name });
      result.observe(instruments.budgetPending, waiting, { [POOL_NAME]: name });
    }
    for (const name of known) {
      const sum = current.get(name);
      result.observe(instruments.count, sum?.idle ?? 0, { [POOL_NAME]: name, [STATE]: 'idle' });
      result.observe(instruments.count, sum?.used ?? 0, { [POOL_NAME]: name, [STATE]: 'used' });
      result.observe(instruments.pendingRequests, sum?.pending ?? 0, { [POOL_NAME]: name });
      result.observe(instruments.max, pool.maxSize, { [POOL_NAME]: name });
    }
  };
  const observables = [
    instruments.count,
    instruments.max,
    instruments.pendingRequests,
    instruments.budgetLimit,
    instruments.budgetHeld,
    instruments.budgetPending,
  ];
  meter.addBatchObservableCallback(observe, observables);

  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      for (const off of unsubscribe) off();
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}

/** Adds `listener` to `pool` and returns what removes it. */
function listen<E, C, K extends keyof PoolEvents<E, C>>(
  pool: ConnectionPool<E, C>,
  event: K,
  listener: (payload: PoolEvents<E, C>[K]) => void,
): () => void {
  pool.on(event, listener);
  return () => pool.off(event, listener);
}

function checkArguments(pool: unknown, meter: unknown, options: unknown): void {
  if (!hasMethods(pool, ['stats', 'on', 'off'])) {
    throw new TypeError(
      `instrumentPool: pool must be a ConnectionPool (with stats(), on() and off()), received ${kind(pool)}`,
    );
  }
  const meterMethods = [
    'createHistogram',
    'createCounter',
    'createObservableUpDownCounter',
    'addBatchObservableCallback',
    'removeBatchObservableCallback',
  ];
  if (!hasMethods(meter, meterMethods)) {
    throw new TypeError(
      `instrumentPool: meter must be an OpenTelemetry Meter (with ${meterMethods.join(', ')}), received ${kind(meter)}`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`instrumentPool: options must be an object, received ${kind(options)}`);
  }
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new TypeError(
        `instrumentPool: unknown option "${name}"; known options: ${OPTION_NAMES.join(', ')}`,
      );
    }
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`instrumentPool: ${name} must be a function, received ${kind(value)}`);
    }
  }
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return names.every((name) => typeof record[name] === 'function');
}

function kind(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
