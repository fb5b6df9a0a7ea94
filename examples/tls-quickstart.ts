// `npm run demo`: the Python original's TLS quickstart, against local TLS servers. Pools TLS
// sockets to three local echo servers (a self-signed certificate made at start, trusted through
// `ca`) with TlsSocketConnectionManager, fires a burst of concurrent requests, and prints what the
// pool did. Exits 0, or 1 on any wrong answer; leaves nothing running.
import type * as tls from 'node:tls';
import { type HostPort, TlsSocketConnectionManager } from '../src/contrib/net/index.ts';
import type { DisposeReason } from '../src/index.ts';
import { ConnectionPool } from '../src/index.ts';
import { selfSignedCertificate } from './certificate.ts';
import { closeServer, portOf, startEchoServer } from './echo-server.ts';
import { request } from './line-client.ts';

const certificate = await selfSignedCertificate();
const servers = await Promise.all([1, 2, 3].map(() => startEchoServer(certificate)));
// The certificate is for `localhost`: the manager sends it as the server name and verifies it.
const endpoints = servers.map((s): HostPort => ['localhost', portOf(s)]);

const pool = new ConnectionPool(new TlsSocketConnectionManager({ ca: certificate.cert }), {
  minIdle: 1, // per endpoint, one idle connection is persistent: idleTimeout spares it
  maxSize: 4, // per endpoint
  totalMaxSize: 8, // all endpoints together: 3 x 4 does not fit, so endpoints compete
  idleTimeout: 2_000,
  maxLifetime: 600_000,
  acquireTimeout: 5_000,
});

// What the pool did, from its events and stats(). Each acquire either takes a connection's first
// use (a new connection) or reuses one that served before; a socket counts as used once handed out.
const used = new WeakSet<tls.TLSSocket>();
const acquires = { firstUse: 0, reuse: 0, longestMs: 0 };
const disposals = new Map<DisposeReason, number>();
pool.on('acquire', ({ connection, waitedMs }) => {
  if (used.has(connection)) acquires.reuse++;
  else acquires.firstUse++;
  used.add(connection);
  // waitedMs runs from the acquire call: queueing and creating (a TLS handshake) included.
  acquires.longestMs = Math.max(acquires.longestMs, waitedMs);
});
pool.on('dispose', ({ reason }) => void disposals.set(reason, (disposals.get(reason) ?? 0) + 1));

// The burst: every request borrows a socket, does one round trip, and gives it back.
const REQUESTS = 60;
const results = await Promise.allSettled(
  Array.from({ length: REQUESTS }, (_, i) => {
    const endpoint = endpoints[i % endpoints.length] as HostPort; // round robin
    return pool.connection(
      endpoint,
      async (socket) => {
        const line = `request ${i} to port ${endpoint[1]}`;
        const answer = await request(socket, line);
        if (answer !== `echo: ${line}`) throw new Error(`wrong echo for "${line}": "${answer}"`);
      },
      { timeout: 5_000 },
    );
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

const { totals } = pool.stats();
const { firstUse, reuse, longestMs } = acquires;
console.log(`requests: ${REQUESTS} sent, ${REQUESTS - failures.length} ok`);
console.log(
  `acquires: ${totals.acquires} = ${firstUse} first uses of a connection + ${reuse} reuses`,
);
// A create serves the oldest waiter when it is ready; if releases served them all first, the new
// connection goes idle without having been used.
const unused = totals.created - firstUse;
console.log(`connections: ${totals.created} created = ${firstUse} used + ${unused} never used`);
console.log(
  `queueing: ${totals.waitedAcquires} of ${totals.acquires} acquires queued (no idle connection, ` +
    `no room to create one); the slowest acquire took ${Math.round(longestMs)} ms`,
);
printSizes('after the burst (maxSize 4 per endpoint, totalMaxSize 8 in all):');

// Extra idle connections expire after idleTimeout; the minIdle persistent one per endpoint stays.
await new Promise((resolve) => setTimeout(resolve, 2_500));
printSizes('after idleTimeout (2 s):');

await pool.close(); // disposes every idle connection; none is acquired now
const byReason = [...disposals].map(([reason, n]) => `${reason} ${n}`).join(', ');
const disposed = pool.stats().totals.disposed;
console.log(`closed: ${disposed} disposed (${byReason || 'none'}); pool.size ${pool.size}`);
await Promise.all(servers.map(closeServer));

// Nothing is left open, so the process ends by itself; the exit code tells whether all went well.
for (const failure of failures.slice(0, 5)) console.error(`FAILED: ${String(failure)}`);
if (pool.size !== 0) console.error(`FAILED: pool.size is ${pool.size} after close`);
if (failures.length > 0 || pool.size !== 0) process.exitCode = 1;
