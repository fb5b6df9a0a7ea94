// Type tests for the public generics: compiled by `tsc` (npm run typecheck), never run.
import type { Socket } from 'node:net';
import type {
  ConnectionManager,
  EndpointStats,
  Lease,
  PoolEvents,
  PoolStats,
  PoolTotals,
} from '../src/index.ts';
import {
  BaseConnectionManager,
  ConnectionPool,
  type ConnectionPoolError,
  type ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
  type EndpointUnavailableError,
} from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import { MockConnectionManager } from '../src/testing/index.ts';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

type Endpoint = [string, number];
declare const manager: ConnectionManager<Endpoint, Socket>;

const pool = new ConnectionPool<Endpoint, Socket>(manager, {
  maxSize: 5,
  endpointKey: ([h, p]) => `${h}:${p}`,
});

// connection() gives the connection type, and its result type is fn's.
export const written: Promise<boolean> = pool.connection(['example.org', 80], (socket) => {
  expectType<Equal<typeof socket, Socket>>(true);
  return socket.write('GET / HTTP/1.0\r\n\r\n');
});
export const asyncResult = pool.connection(['example.org', 80], async () => 1);
expectType<Equal<typeof asyncResult, Promise<number>>>(true);

// acquire/lease give the connection type.
export async function uses(): Promise<void> {
  const socket = await pool.acquire(['h', 1], { timeout: 100, signal: AbortSignal.timeout(10) });
  expectType<Equal<typeof socket, Socket>>(true);
  await pool.release(socket);
  await pool.discard(socket, new Error('why'));
  const lease = await pool.lease(['h', 1]);
  expectType<Equal<typeof lease, Lease<Endpoint, Socket>>>(true);
  expectType<Equal<typeof lease.connection, Socket>>(true);
  expectType<Equal<typeof lease.endpoint, Endpoint>>(true);
  await using scoped = await pool.lease(['h', 2]);
  expectType<Equal<typeof scoped.connection, Socket>>(true);
  const n: number =
    pool.size + pool.getEndpointPoolSize(['h', 1], true) + pool.maxSize + pool.totalMaxSize;
  const b: boolean = pool.isFull || pool.closed;
  void n;
  void b;
  await pool.close({ timeout: 1000 });
}

// A wrong endpoint type does not compile.
// @ts-expect-error a string is not [string, number]
void pool.acquire('example.org');
// @ts-expect-error the port must be a number
void pool.acquire(['example.org', '80']);
// @ts-expect-error missing port
void pool.connection(['example.org'], () => 1);
// @ts-expect-error wrong endpoint type for sizes too
pool.getEndpointPoolSize(80);
// @ts-expect-error release takes the connection type
void pool.release('not a socket');

// A manager must match the pool's types.
declare const stringManager: ConnectionManager<string, Socket>;
// @ts-expect-error endpoint types differ
new ConnectionPool<Endpoint, Socket>(stringManager);

// Unknown options and wrong option types do not compile.
// @ts-expect-error unknown option
new ConnectionPool<Endpoint, Socket>(manager, { maxsize: 5 });
// @ts-expect-error maxSize is a number
new ConnectionPool<Endpoint, Socket>(manager, { maxSize: '5' });
// @ts-expect-error endpointKey takes the endpoint type
new ConnectionPool<Endpoint, Socket>(manager, { endpointKey: (e: number) => e });

// Events are typed.
pool.on('dispose', (e) => {
  expectType<Equal<typeof e.connection, Socket>>(true);
  expectType<Equal<typeof e.endpoint, Endpoint>>(true);
  const reason: 'idle' | 'lifetime' | 'dead' | 'evicted' | 'discarded' | 'maxUses' | 'closed' =
    e.reason;
  void reason;
});
pool.on('acquire', (e) => {
  const waited: number = e.waitedMs;
  void waited;
});
expectType<Equal<PoolEvents<Endpoint, Socket>['timeout'], { endpoint: Endpoint }>>(true);
// SPEC §7 and the coordinator's timings: leak, durations.
pool.on('leak', (e) => {
  expectType<Equal<typeof e.stack, string>>(true);
  expectType<Equal<typeof e.heldMs, number>>(true);
  expectType<Equal<typeof e.connection, Socket>>(true);
  expectType<Equal<typeof e.endpoint, Endpoint>>(true);
});
pool.on('create', (e) => expectType<Equal<typeof e.durationMs, number>>(true));
pool.on('createError', (e) => expectType<Equal<typeof e.durationMs, number>>(true));
pool.on('release', (e) => expectType<Equal<typeof e.heldMs, number>>(true));
// @ts-expect-error leak has no waitedMs
pool.on('leak', (e) => e.waitedMs);
// @ts-expect-error no such event
pool.on('nope', () => {});

// stats() is typed by the endpoint; prewarm takes the endpoint type.
const stats = pool.stats();
expectType<Equal<typeof stats, PoolStats<Endpoint>>>(true);
expectType<Equal<(typeof stats.endpoints)[number], EndpointStats<Endpoint>>>(true);
expectType<Equal<typeof stats.totals, PoolTotals>>(true);
expectType<Equal<typeof stats.waiting, number>>(true);
export const warmed: Promise<void> = pool.prewarm(['h', 1], 2);
// @ts-expect-error prewarm takes the endpoint type
void pool.prewarm('h');
// @ts-expect-error count is a number
void pool.prewarm(['h', 1], '2');

// The §7 options.
new ConnectionPool<Endpoint, Socket>(manager, {
  maintainMinIdle: true,
  maxLifetimeJitter: 0.1,
  maxUses: 1000,
  maxWaiters: 50,
  skipAlivenessCheckWithin: 500,
  keepAliveInterval: 30_000,
  leakDetectionThreshold: 60_000,
  createRetryDelay: 100,
  createRetryMaxDelay: 30_000,
});
// @ts-expect-error maintainMinIdle is a boolean
new ConnectionPool<Endpoint, Socket>(manager, { maintainMinIdle: 'yes' });

// The §7 errors are pool errors with a code.
declare const queueFull: ConnectionPoolQueueFullError;
declare const unavailable: EndpointUnavailableError;
export const poolErrors: ConnectionPoolError[] = [queueFull, unavailable];

// error.code is the union of the literal codes: a misspelt code does not compile, and a subclass
// has its own code.
declare const poolError: ConnectionPoolError;
expectType<
  Equal<
    typeof poolError.code,
    | 'ERR_POOL_CLOSED'
    | 'ERR_POOL_TIMEOUT'
    | 'ERR_POOL_NOT_ACQUIRED'
    | 'ERR_POOL_QUEUE_FULL'
    | 'ERR_POOL_ENDPOINT_UNAVAILABLE'
    | 'ERR_POOL_BUDGET_EXHAUSTED'
    | 'ERR_POOL_BUDGET_UNAVAILABLE'
  >
>(true);
expectType<Equal<typeof unavailable.code, 'ERR_POOL_ENDPOINT_UNAVAILABLE'>>(true);
expectType<Equal<typeof queueFull.code, 'ERR_POOL_QUEUE_FULL'>>(true);
export const isTimeout = poolError.code === 'ERR_POOL_TIMEOUT';
// @ts-expect-error a misspelt code: the types have no overlap
export const misspelt = poolError.code === 'ERR_POOL_TIMOUT';
export function codeOf(error: unknown): string | undefined {
  if (error instanceof ConnectionPoolTimeoutError) {
    expectType<Equal<typeof error.code, 'ERR_POOL_TIMEOUT'>>(true);
    return error.code;
  }
  return undefined;
}

// Type arguments are inferred from the manager.
class Tcp extends BaseConnectionManager<Endpoint, Socket> {
  create(): Socket {
    throw new Error('not in a type test');
  }
  dispose(): void {}
}
const inferred = new ConnectionPool(new Tcp());
expectType<Equal<typeof inferred, ConnectionPool<Endpoint, Socket>>>(true);

// The mock manager fits the pool.
const mockPool = new ConnectionPool(new MockConnectionManager<number>());
expectType<Equal<typeof mockPool, ConnectionPool<number, MockConnection<number>>>>(true);
