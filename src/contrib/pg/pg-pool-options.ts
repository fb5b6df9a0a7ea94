import type pg from 'pg';
import type { PoolOptions } from '../../index.ts';

/**
 * The options of a {@link PgPool}: `pg.Pool`'s, with pg's meanings and defaults, plus two of
 * this library's.
 */
export interface PgPoolConfig extends pg.PoolConfig {
  /**
   * Options of the underlying `ConnectionPool`, over those derived from pg's options (see
   * {@link pgPoolOptions}): what this library does beyond pg, such as `createRetryDelay`
   * (backoff), `leakDetectionThreshold`, `maxLifetimeJitter`, `maxWaiters` or `keepAliveInterval`.
   * @example `new PgPool({ max: 20, pool: { maxWaiters: 100, leakDetectionThreshold: 10_000 } })`
   */
  pool?: Partial<PoolOptions<string>> | undefined;
  /**
   * Milliseconds a client may stay idle before its reuse costs a round trip to check it; see
   * `PgConnectionManagerOptions.pingAfterIdle`.
   * @default 5_000
   */
  pingAfterIdle?: number | undefined;
}

/** pg-pool's own defaults. */
const PG_DEFAULTS = { max: 10, idleTimeoutMillis: 10_000 } as const;

/**
 * The `ConnectionPool` options that give pg's options their meaning in pg-pool 3: `max` →
 * `maxSize` and `totalMaxSize` (`poolSize` is its old name; 0 means the default 10), `min` →
 * `minIdle` (default 0, at most `max`), `idleTimeoutMillis` → `idleTimeout` (default 10 s, `0`
 * or `null` never), `maxLifetimeSeconds` → `maxLifetime` (`0` never), `maxUses` → `maxUses`
 * (`0` no limit), `connectionTimeoutMillis` → `acquireTimeout` and `createTimeout` (`0` waits
 * forever), and no create backoff (`createRetryDelay: 0`), as pg has none. `overrides` (the
 * `pool` option) win over all of these; `totalMaxSize` then follows `maxSize` unless given.
 *
 * @example `pgPoolOptions({ max: 5, idleTimeoutMillis: 0 })` is `{ maxSize: 5, idleTimeout: Infinity, ... }`.
 */
export function pgPoolOptions(
  config: pg.PoolConfig & { poolSize?: number | undefined },
  overrides: Partial<PoolOptions<string>> = {},
): PoolOptions<string> {
  const max = config.max || config.poolSize || PG_DEFAULTS.max;
  const idle =
    config.idleTimeoutMillis === undefined
      ? PG_DEFAULTS.idleTimeoutMillis
      : config.idleTimeoutMillis || Number.POSITIVE_INFINITY;
  const lifetime = config.maxLifetimeSeconds
    ? config.maxLifetimeSeconds * 1000
    : Number.POSITIVE_INFINITY;
  const connect = config.connectionTimeoutMillis || Number.POSITIVE_INFINITY;
  const maxSize = overrides.maxSize ?? max;
  const maxLifetime = overrides.maxLifetime ?? lifetime;
  return {
    acquireTimeout: connect,
    createTimeout: connect,
    // pg keeps a client idle beyond its lifetime no longer than the lifetime allows either.
    idleTimeout: Math.min(idle, maxLifetime),
    minIdle: Math.min(config.min || 0, maxSize),
    maxUses: config.maxUses || Number.POSITIVE_INFINITY,
    createRetryDelay: 0,
    ...overrides,
    maxSize,
    totalMaxSize: overrides.totalMaxSize ?? maxSize,
    maxLifetime,
  };
}
