/**
 * `generic-connection-pool/contrib/otel`: reports a pool through OpenTelemetry metrics.
 * `@opentelemetry/api` is an optional peer dependency; this entry imports only its types.
 *
 * @example
 * import { instrumentPool } from 'generic-connection-pool/contrib/otel';
 * const instrumentation = instrumentPool(pool, metrics.getMeter('my-service'));
 */

export type { InstrumentPoolOptions, PoolInstrumentation } from './instrument-pool.ts';
export { instrumentPool } from './instrument-pool.ts';
