/**
 * Pool helpers for the core tests: size snapshots, event recording, pool construction.
 * Portable: imports only `node:assert/strict` and project files.
 */
import assert from 'node:assert/strict';
import type { PoolOptions } from '../../src/index.ts';
import { ConnectionPool } from '../../src/index.ts';
import type { MockConnection } from '../../src/testing/index.ts';
import { MockConnectionManager } from '../../src/testing/index.ts';
import type { Clock } from './async.ts';
import { fulfilled, NEVER, settle, track } from './async.ts';

export * from './async.ts';

export interface Sizes {
  all: number;
  acquired: number;
  idle: number;
}

/** `getEndpointPoolSize(ep)`, `(ep, true)`, `(ep, false)` in one object for `deepEqual`. */
export function sizes<E>(pool: ConnectionPool<E, any>, endpoint: E): Sizes {
  return {
    all: pool.getEndpointPoolSize(endpoint),
    acquired: pool.getEndpointPoolSize(endpoint, true),
    idle: pool.getEndpointPoolSize(endpoint, false),
  };
}

export function assertSizes<E>(
  pool: ConnectionPool<E, any>,
  total: number,
  perEndpoint: ReadonlyArray<readonly [E, number, number, number]>,
  message?: string,
): void {
  assert.equal(pool.size, total, `${message ?? ''} pool.size`);
  for (const [endpoint, all, acquired, idle] of perEndpoint) {
    assert.deepEqual(
      sizes(pool, endpoint),
      { all, acquired, idle },
      `${message ?? ''} sizes of ${String(endpoint)}`,
    );
  }
}

/** Ids of connections, for readable order assertions. */
export function ids(
  list: ReadonlyArray<MockConnection<unknown> | undefined>,
): Array<number | undefined> {
  return list.map((c) => c?.id);
}

/** Asserts that each connection was passed to `dispose` exactly once, and only those created. */
export function assertDisposedExactlyOnce(mock: MockConnectionManager<unknown>): void {
  const created = mock.created.map((c) => c.id).sort((a, b) => a - b);
  const disposed = mock.disposed.map((c) => c.id).sort((a, b) => a - b);
  assert.deepEqual(disposed, created, 'every created connection disposed exactly once');
}

export interface Recorded {
  event: string;
  payload: Record<string, unknown>;
}

/** Every event a pool emits. */
export const EVENTS = [
  'create',
  'createError',
  'acquire',
  'release',
  'dispose',
  'disposeError',
  'dead',
  'timeout',
  'leak',
] as const;

/** Records every core event of `pool`, in order. */
export function recordEvents(pool: ConnectionPool<any, any>): Recorded[] {
  const log: Recorded[] = [];
  for (const event of EVENTS) {
    pool.on(event, (payload: unknown) => {
      log.push({ event, payload: payload as Record<string, unknown> });
    });
  }
  return log;
}

export function eventsOf(log: Recorded[], event: string): Array<Record<string, unknown>> {
  return log.filter((r) => r.event === event).map((r) => r.payload);
}

/** Dispose reasons in order, as `[connectionId, reason]`. */
export function disposeReasons(log: Recorded[]): Array<[number, unknown]> {
  return eventsOf(log, 'dispose').map((p) => [
    (p.connection as MockConnection<unknown>).id,
    p.reason,
  ]);
}

export function makePool<E = string>(
  options: PoolOptions<E> = {},
  mock: MockConnectionManager<E> = new MockConnectionManager<E>(),
): { pool: ConnectionPool<E, MockConnection<E>>; mock: MockConnectionManager<E>; log: Recorded[] } {
  const pool = new ConnectionPool<E, MockConnection<E>>(mock, options);
  const log = recordEvents(pool);
  return { pool, mock, log };
}

/**
 * Makes every create of `mock` hang once it has been called `calls` times: a loop of creates that
 * never yields to the timers then ends, so that its test fails instead of spinning forever.
 */
export function hangCreatesAfter<E>(mock: MockConnectionManager<E>, calls: number): void {
  const create = mock.create.bind(mock);
  mock.create = (endpoint, context) => {
    if (mock.callsOf('create').length >= calls) mock.set('create', { gate: NEVER });
    return create(endpoint, context);
  };
}

/** Closes the pool, driving the fake clock until `close` settles. */
export async function closePool(pool: ConnectionPool<any, any>, clock?: Clock): Promise<void> {
  const closing = track(pool.close());
  for (let i = 0; i < 100 && closing.state === 'pending'; i++) {
    if (clock !== undefined) await clock.tickAsync(1000);
    else await settle();
  }
  fulfilled(closing);
}

export interface Limits {
  maxSize: number;
  totalMaxSize: number;
}

/**
 * Checks rule 3 at every instant the pool can be observed from outside: at every manager call
 * and every event. Returns the list of violations (empty when the limits always held).
 */
export function watchLimits<E>(
  pool: ConnectionPool<E, MockConnection<E>>,
  mock: MockConnectionManager<E>,
  endpoints: readonly E[],
  limits: Limits,
): string[] {
  const violations: string[] = [];
  const check = (where: string): void => {
    const size = pool.size;
    if (size > limits.totalMaxSize)
      violations.push(`${where}: size ${size} > ${limits.totalMaxSize}`);
    let sum = 0;
    for (const endpoint of endpoints) {
      const all = pool.getEndpointPoolSize(endpoint);
      const acquired = pool.getEndpointPoolSize(endpoint, true);
      const idle = pool.getEndpointPoolSize(endpoint, false);
      sum += all;
      if (all > limits.maxSize)
        violations.push(`${where}: ${String(endpoint)} holds ${all} > ${limits.maxSize}`);
      if (acquired + idle > all)
        violations.push(
          `${where}: ${String(endpoint)} acquired ${acquired} + idle ${idle} > ${all}`,
        );
      if (acquired < 0 || idle < 0) violations.push(`${where}: negative size`);
    }
    if (sum !== size) violations.push(`${where}: endpoint sizes add up to ${sum}, size is ${size}`);
  };
  const m = mock as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const hook of [
    'create',
    'dispose',
    'checkAliveness',
    'onAcquire',
    'onRelease',
    'onConnectionDead',
  ]) {
    const original = m[hook]!.bind(mock);
    m[hook] = (...args: unknown[]) => {
      check(`${hook} call`);
      return original(...args);
    };
  }
  for (const event of EVENTS) pool.on(event, () => check(`${event} event`));
  return violations;
}
