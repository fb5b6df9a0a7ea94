/**
 * The OpenTelemetry semantic conventions for database client connection pools (semconv
 * `model/db/metrics.yaml`, stability "development"): metric names, units and attribute names,
 * spelled out here so this entry needs nothing from `@opentelemetry/api` at run time.
 */
import type { Meter } from '@opentelemetry/api';

/** Attribute naming the pool; we name each endpoint's share of the pool. */
export const POOL_NAME = 'db.client.connection.pool.name';
/** Attribute of `db.client.connection.count`: `idle` or `used`. */
export const STATE = 'db.client.connection.state';

/**
 * Bucket boundaries in seconds for the three time histograms: the SDK's default boundaries are
 * meant for milliseconds and would put almost every pool timing in the first bucket.
 */
const SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Creates the instruments on `meter`. Creating them again on the same meter returns the same ones. */
export function createInstruments(meter: Meter) {
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
  return {
    count: meter.createObservableUpDownCounter('db.client.connection.count', {
      description:
        'The number of connections that are currently in state described by the state attribute.',
      unit: '{connection}',
    }),
    max: meter.createObservableUpDownCounter('db.client.connection.max', {
      description: 'The maximum number of open connections allowed.',
      unit: '{connection}',
    }),
    pendingRequests: meter.createObservableUpDownCounter('db.client.connection.pending_requests', {
      description: 'The number of current pending requests for an open connection.',
      unit: '{request}',
    }),
    // Not in the semantic conventions: the connection budget shared by a fleet (SPEC §9).
    budgetLimit: meter.createObservableUpDownCounter('db.client.connection.budget.limit', {
      description: 'The most connections all processes sharing the connection budget may hold.',
      unit: '{connection}',
    }),
    budgetHeld: meter.createObservableUpDownCounter('db.client.connection.budget.held', {
      description: 'The connection budget slots this pool holds.',
      unit: '{connection}',
    }),
    budgetPending: meter.createObservableUpDownCounter(
      'db.client.connection.budget.pending_requests',
      {
        description: 'The number of pending requests waiting for room in the connection budget.',
        unit: '{request}',
      },
    ),
    timeouts: meter.createCounter('db.client.connection.timeouts', {
      description:
        'The number of connection timeouts that have occurred trying to obtain a connection from the pool.',
      unit: '{timeout}',
    }),
    createTime: seconds(
      'db.client.connection.create_time',
      'The time it took to create a new connection.',
    ),
    waitTime: seconds(
      'db.client.connection.wait_time',
      'The time it took to obtain an open connection from the pool.',
    ),
    useTime: seconds(
      'db.client.connection.use_time',
      'The time between borrowing a connection and returning it to the pool.',
    ),
  };
}
