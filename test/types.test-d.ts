// Type tests for the public generics: compiled by `tsc` (npm run typecheck), never run.
import type { Socket } from 'node:net';
import type { ConnectionManager, Lease, PoolEvents } from '../src/index.ts';
import { BaseConnectionManager, ConnectionPool } from '../src/index.ts';
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
// @ts-expect-error no such event
pool.on('nope', () => {});

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
