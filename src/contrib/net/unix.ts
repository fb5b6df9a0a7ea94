import * as net from 'node:net';
import { inspect } from 'node:util';
import { SocketConnectionManager } from './socket-manager.ts';

/**
 * Options of `net.connect` for every socket of a {@link UnixSocketConnectionManager}, e.g.
 * `allowHalfOpen`. `path` comes from the endpoint.
 */
export type UnixSocketOptions = Omit<net.IpcNetConnectOpts, 'path'>;

/**
 * Pools Unix domain sockets (named pipes on Windows). Endpoint: the socket's path, connection
 * `net.Socket`. Lifecycle as {@link TcpSocketConnectionManager}: `create` honours its signal, idle
 * sockets never crash the process and are dead once closed, reset or sent data; `dispose` ends
 * gracefully and destroys the socket when its signal aborts.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool(new UnixSocketConnectionManager());
 * await pool.connection('/run/app.sock', (socket) => talk(socket));
 * ```
 */
export class UnixSocketConnectionManager extends SocketConnectionManager<
  string,
  net.Socket,
  UnixSocketOptions
> {
  protected readonly readyEvent = 'connect';

  protected connect(path: string): net.Socket {
    if (typeof path !== 'string' || path === '') {
      throw new TypeError(
        `${this.constructor.name}: endpoint must be a non-empty socket path, got ${inspect(path)}`,
      );
    }
    return net.connect({ ...this.options, path });
  }
}
