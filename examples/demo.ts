// `npm run demo`: pools TCP connections to three local echo servers through a custom manager
// (the TypeScript version of the Python original's "Extendability" example), fires a burst of
// concurrent requests, and prints what the pool did. Exits 0, or 1 on any wrong answer.
import { once } from 'node:events';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import type { DisposeReason, OperationContext } from '../src/index.ts';
import { BaseConnectionManager, ConnectionPool } from '../src/index.ts';

type Endpoint = readonly [host: string, port: number];

/** A line-based echo server on loopback: `line\n` is answered with `echo: line\n`. */
async function startEchoServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {}); // a client vanishing is not the server's problem
    createInterface({ input: socket }).on('line', (line) => socket.write(`echo: ${line}\n`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Opens, checks and closes plain TCP sockets; the pool decides when. */
class TcpConnectionManager extends BaseConnectionManager<Endpoint, net.Socket> {
  override async create([host, port]: Endpoint, { signal }: OperationContext) {
    signal.throwIfAborted();
    const socket = net.connect({ host, port });
    // Kept for the socket's whole life: an error on an idle socket must not crash the process.
    // The error destroys the socket, which checkAliveness then reports as dead.
    socket.on('error', () => {});
    try {
      await once(socket, 'connect', { signal }); // rejects on 'error' or on abort
    } catch (error) {
      socket.destroy();
      throw signal.aborted ? signal.reason : error;
    }
    return socket;
  }

  override async dispose(_endpoint: Endpoint, socket: net.Socket, { signal }: OperationContext) {
    if (socket.destroyed) return;
    const closed = new Promise((resolve) => socket.once('close', resolve)); // even after an error
    const onAbort = () => socket.destroy(); // out of time: stop being graceful
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    socket.resume(); // drain unread data so the peer's FIN is seen and 'close' can fire
    socket.end();
    await closed;
    signal.removeEventListener('abort', onAbort);
  }

  // Called before an idle socket is reused: reject one the peer closed, that errored, or that
  // received data nobody asked for (the protocol would be out of step).
  override checkAliveness(_endpoint: Endpoint, socket: net.Socket): boolean {
    return (
      !socket.destroyed && socket.writable && !socket.readableEnded && socket.readableLength === 0
    );
  }
}

/** Reads one `\n`-terminated line; leaves the socket paused so stray data stays visible. */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('socket closed before a full line arrived'));
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const nl = buffered.indexOf(0x0a);
      if (nl === -1) return;
      cleanup();
      if (nl + 1 < buffered.length) socket.unshift(buffered.subarray(nl + 1)); // not ours: leave it
      resolve(buffered.subarray(0, nl).toString('utf8'));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume(); // a paused stream does not restart on its own when a 'data' listener is added
  });
}

const servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
const endpoints = servers.map(
  (s): Endpoint => ['127.0.0.1', (s.address() as net.AddressInfo).port],
);

const pool = new ConnectionPool(new TcpConnectionManager(), {
  minIdle: 1, // per endpoint, one idle connection is persistent: idleTimeout spares it
  maxSize: 4, // per endpoint
  totalMaxSize: 8, // all endpoints together: 3 x 4 does not fit, so endpoints compete
  idleTimeout: 2_000,
  maxLifetime: 60_000,
  acquireTimeout: 5_000,
});

// What the pool did, from its events. `waitedMs` runs from the acquire call, so it includes
// time spent queueing and creating; only an idle connection handed out at once gives 0.
const seen = new WeakSet<net.Socket>();
const counts = { created: 0, reused: 0, waited: 0, longestWaitMs: 0 };
const disposals = new Map<DisposeReason, number>();
pool.on('create', () => void counts.created++);
pool.on('acquire', ({ connection, waitedMs }) => {
  if (seen.has(connection)) counts.reused++;
  seen.add(connection);
  if (waitedMs > 0) counts.waited++;
  counts.longestWaitMs = Math.max(counts.longestWaitMs, waitedMs);
});
pool.on('dispose', ({ reason }) => void disposals.set(reason, (disposals.get(reason) ?? 0) + 1));

// The burst: every request borrows a socket, does one round trip, and gives it back.
const REQUESTS = 60;
const results = await Promise.allSettled(
  Array.from({ length: REQUESTS }, (_, i) => {
    const endpoint = endpoints[i % endpoints.length] as Endpoint; // round robin
    return pool.connection(endpoint, async (socket) => {
      const line = `request ${i} to port ${endpoint[1]}`;
      socket.write(`${line}\n`);
      const answer = await readLine(socket);
      if (answer !== `echo: ${line}`) throw new Error(`wrong echo for "${line}": "${answer}"`);
    });
  }),
);
const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));

function printSizes(title: string): void {
  console.log(title);
  for (const ep of endpoints) {
    const [all, idle] = [pool.getEndpointPoolSize(ep), pool.getEndpointPoolSize(ep, false)];
    console.log(`  ${ep.join(':')}  connections ${all}, idle ${idle}`);
  }
  console.log(`  pool.size ${pool.size}`);
}

const { created, reused, waited, longestWaitMs } = counts;
console.log(`requests: ${REQUESTS} sent, ${REQUESTS - failures.length} ok`);
console.log(`connections: ${created} created, ${reused} acquires reused one`);
console.log(`waiting: ${waited} acquires waited, longest ${longestWaitMs.toFixed(1)} ms`);
printSizes('after the burst (maxSize 4 per endpoint, totalMaxSize 8 in all):');

// Extra idle connections expire after idleTimeout; the minIdle persistent one per endpoint stays.
await new Promise((resolve) => setTimeout(resolve, 2_500));
printSizes('after idleTimeout (2 s):');

await pool.close(); // disposes every idle connection; none is acquired now
const byReason = [...disposals].map(([reason, n]) => `${reason} ${n}`).join(', ');
console.log(`closed: disposals by reason: ${byReason || 'none'}; pool.size ${pool.size}`);
await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));

// Nothing is left open, so the process ends by itself; the exit code tells whether all went well.
for (const failure of failures.slice(0, 5)) console.error(`FAILED: ${String(failure)}`);
if (pool.size !== 0) console.error(`FAILED: pool.size is ${pool.size} after close`);
if (failures.length > 0 || pool.size !== 0) process.exitCode = 1;
