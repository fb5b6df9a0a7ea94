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

// What the pool did, from its events. `waitedMs` runs from the acquire call, so it includes
// time spent queueing and creating (a TLS handshake); only an idle socket handed out at once gives 0.
const seen = new WeakSet<tls.TLSSocket>();
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
await Promise.all(servers.map(closeServer));

// Nothing is left open, so the process ends by itself; the exit code tells whether all went well.
for (const failure of failures.slice(0, 5)) console.error(`FAILED: ${String(failure)}`);
if (pool.size !== 0) console.error(`FAILED: pool.size is ${pool.size} after close`);
if (failures.length > 0 || pool.size !== 0) process.exitCode = 1;
