import * as net from 'node:net';
import { checkHostPort, type HostPort } from './host-port.ts';
import { SocketConnectionManager } from './socket-manager.ts';

/**
 * Options of `net.connect` for every socket of a {@link TcpSocketConnectionManager}, e.g.
 * `noDelay`, `keepAlive`, `localAddress`, `family`. `host` and `port` come from the endpoint.
 */
export type TcpSocketOptions = Omit<net.TcpNetConnectOpts, 'host' | 'port'>;

/**
 * Pools plain TCP sockets. Endpoint `[host, port]`, connection `net.Socket`.
 *
 * - `create` connects; it rejects with the socket error (`ECONNREFUSED`, ...) and, when its signal
 *   aborts, destroys the socket and rejects with the signal's reason.
 * - An idle socket never crashes the process with an `'error'`; it is dead (`checkAliveness`
 *   returns `false`) once the peer closed or reset it, or once data arrived while it was idle.
 * - `dispose` ends the socket gracefully and destroys it when its signal aborts.
 * - While acquired, the socket is yours: it is neither flowing nor paused when you get it, and its
 *   `'error'` events are yours to handle.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool(new TcpSocketConnectionManager({ noDelay: true }));
 * await pool.connection(['127.0.0.1', 6379], (socket) => talk(socket));
 * ```
 */
export class TcpSocketConnectionManager extends SocketConnectionManager<
  HostPort,
  net.Socket,
  TcpSocketOptions
> {
  protected readonly readyEvent = 'connect';

  protected connect(endpoint: HostPort): net.Socket {
    checkHostPort(this.constructor.name, endpoint);
    const [host, port] = endpoint;
    return net.connect({ ...this.options, host, port });
  }
}
