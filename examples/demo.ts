// `npm run demo`: pools TCP connections to three local echo servers through a custom manager
// (the TypeScript version of the Python original's "Extendability" example), fires a burst of
// concurrent requests, and prints what the pool did. Exits 0, or 1 on any wrong answer.
import * as net from 'node:net';
import { once } from 'node:events';
import { BaseConnectionManager, ConnectionPool } from '../src/index.ts';
import type { DisposeReason } from '../src/index.ts';

type Endpoint = readonly [host: string, port: number];

/** A line-based echo server on loopback: `line\n` is answered with `echo: line\n`. */
async function startEchoServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // a client vanishing is not the server's problem
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        socket.write(`echo: ${buffered.slice(0, nl)}\n`);
        buffered = buffered.slice(nl + 1);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Opens, checks and closes plain TCP sockets; the pool decides when. */
class TcpConnectionManager extends BaseConnectionManager<Endpoint, net.Socket> {
  override create([host, port]: Endpoint, { signal }: { signal: AbortSignal }): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const socket = net.connect({ host, port });
      // Kept for the socket's whole life: an error on an idle socket must not crash the process.
      // The error destroys the socket, which checkAliveness then reports as dead.
      socket.on('error', () => {});
      const onAbort = () => { socket.destroy(); reject(signal.reason); };
      const onError = (error: Error) => { signal.removeEventListener('abort', onAbort); reject(error); };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }

  override async dispose(_endpoint: Endpoint, socket: net.Socket, { signal }: { signal: AbortSignal }) {
    if (socket.destroyed) return;
    const closed = once(socket, 'close');
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
    return !socket.destroyed && socket.writable && !socket.readableEnded && socket.readableLength === 0;
  }
}

/** Reads one `\n`-terminated line; leaves the socket paused so stray data stays visible. */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = () => { socket.off('data', onData); socket.off('close', onClose); socket.pause(); };
    const onClose = () => { cleanup(); reject(new Error('socket closed before a full line arrived')); };
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

async function main(): Promise<void> {
  const servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
  const endpoints: Endpoint[] = servers.map((s) => ['127.0.0.1', (s.address() as net.AddressInfo).port] as const);

  const pool = new ConnectionPool(new TcpConnectionManager(), {
    minIdle: 1, maxSize: 4, totalMaxSize: 8, idleTimeout: 2_000, maxLifetime: 60_000, acquireTimeout: 5_000,
  });

  // What the pool did, from its events.
  const seen = new WeakSet<net.Socket>();
  let created = 0, reused = 0, waited = 0;
  const disposals = new Map<DisposeReason, number>();
  pool.on('create', () => { created++; });
  pool.on('acquire', ({ connection, waitedMs }) => {
    if (seen.has(connection)) reused++;
    else seen.add(connection);
    if (waitedMs > 0) waited++;
  });
  pool.on('dispose', ({ reason }) => { disposals.set(reason, (disposals.get(reason) ?? 0) + 1); });

  const REQUESTS = 60;
  const results = await Promise.allSettled(
    Array.from({ length: REQUESTS }, (_, i) => {
      const endpoint = endpoints[i % endpoints.length]!;
      return pool.connection(endpoint, async (socket) => {
        const line = `request ${i} to port ${endpoint[1]}`;
        socket.write(`${line}\n`);
        const answer = await readLine(socket);
        if (answer !== `echo: ${line}`) throw new Error(`wrong echo for ${JSON.stringify(line)}: ${JSON.stringify(answer)}`);
      });
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');

  const sizes = (label: string) => {
    console.log(label);
    for (const ep of endpoints) {
      console.log(`  ${ep.join(':')}  connections ${pool.getEndpointPoolSize(ep)}, idle ${pool.getEndpointPoolSize(ep, false)}`);
    }
    console.log(`  pool.size ${pool.size}`);
  };

  console.log(`requests: ${REQUESTS} sent, ${REQUESTS - failures.length} ok`);
  console.log(`connections: ${created} created, ${reused} acquires reused one, ${waited} acquires waited`);
  sizes('after the burst (maxSize 4 per endpoint, totalMaxSize 8 in all):');

  // Extra idle connections expire after idleTimeout; the minIdle persistent one per endpoint stays.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  sizes('after idleTimeout (2 s):');

  await pool.close();
  const byReason = [...disposals].map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
  console.log(`closed: disposals by reason: ${byReason}; pool.size ${pool.size}`);

  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));

  if (failures.length > 0 || pool.size !== 0) {
    for (const f of failures.slice(0, 5)) console.error(`FAILED: ${String(f.reason)}`);
    if (pool.size !== 0) console.error(`FAILED: pool.size is ${pool.size} after close`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exit(1); // servers or sockets may still be open: do not hang
});
