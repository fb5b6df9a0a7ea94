// The Python original's "Extendability" example in TypeScript: when no built-in manager fits, write
// one on BaseConnectionManager. This one pools TLS sockets (like the original's
// SslSocketConnectionManager); it runs against a local TLS echo server that it starts itself.
// For real use, `generic-connection-pool/contrib/net` has complete socket managers.
import { once } from 'node:events';
import * as tls from 'node:tls';
import type { OperationContext } from '../src/index.ts';
import { BaseConnectionManager, ConnectionPool } from '../src/index.ts';
import { selfSignedCertificate } from './certificate.ts';
import { closeServer, portOf, startEchoServer } from './echo-server.ts';
import { request } from './line-client.ts';

type SslEndpoint = readonly [hostname: string, port: number];

/** SSL socket connection manager. */
class SslSocketConnectionManager extends BaseConnectionManager<SslEndpoint, tls.TLSSocket> {
  readonly #ssl: tls.ConnectionOptions;

  constructor(ssl: tls.ConnectionOptions) {
    super();
    this.#ssl = ssl;
  }

  // `signal` aborts when createTimeout runs out or the pool closes: then the socket is destroyed.
  override async create([hostname, port]: SslEndpoint, { signal }: OperationContext) {
    const socket = tls.connect({ ...this.#ssl, host: hostname, port, servername: hostname });
    try {
      await once(socket, 'secureConnect', { signal }); // rejects on 'error' or abort
    } catch (error) {
      socket.destroy();
      throw error;
    }
    socket.on('error', () => {}); // an idle socket's error must not crash the process
    return socket;
  }

  override async dispose(
    _endpoint: SslEndpoint,
    socket: tls.TLSSocket,
    { signal }: OperationContext,
  ) {
    if (signal.aborted) socket.destroy(); // aborted before we began: no graceful close
    if (socket.destroyed) return;
    signal.addEventListener('abort', () => socket.destroy(), { once: true }); // disposeTimeout
    const closed = once(socket, 'close');
    socket.resume(); // drain, so the peer's close is seen
    socket.end(); // close_notify and FIN, like the original's shutdown(SHUT_RDWR)
    await closed;
  }

  // Without this override every idle socket would count as alive (BaseConnectionManager's default).
  override checkAliveness(_endpoint: SslEndpoint, socket: tls.TLSSocket): boolean {
    return !socket.destroyed && socket.readableLength === 0;
  }
}

const certificate = await selfSignedCertificate();
const server = await startEchoServer(certificate);

const pool = new ConnectionPool(new SslSocketConnectionManager({ ca: certificate.cert }), {
  idleTimeout: 30_000,
  maxLifetime: 600_000,
  minIdle: 3,
  maxSize: 20,
  totalMaxSize: 100,
  backgroundCollector: true,
});

const endpoint: SslEndpoint = ['localhost', portOf(server)];
const answer = await pool.connection(endpoint, (socket) => request(socket, 'GET /'), {
  timeout: 5_000,
});
console.log(answer); // echo: GET /
console.log(`idle sockets: ${pool.getEndpointPoolSize(endpoint, false)}`); // 1

await pool.close();
await closeServer(server);
