// A line-based echo server on loopback for the examples: `line\n` is answered with `echo: line\n`.
import { once } from 'node:events';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import * as tls from 'node:tls';

/**
 * A line-based echo server on 127.0.0.1: `line\n` is answered with `echo: line\n`. Over TLS when
 * `secure` (a key and certificate) is given, plain TCP otherwise.
 */
export async function startEchoServer(secure?: tls.TlsOptions): Promise<net.Server> {
  const echo = (socket: net.Socket) => {
    // A client vanishing is not the server's problem; readline re-emits the socket's errors.
    socket.on('error', () => {});
    createInterface({ input: socket })
      .on('error', () => {})
      .on('line', (line) => socket.write(`echo: ${line}\n`));
  };
  const server = secure ? tls.createServer(secure, echo) : net.createServer(echo);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** The port a started server listens on. */
export function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/** Closes a server; resolves once it is closed. */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
