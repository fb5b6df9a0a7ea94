/**
 * `generic-connection-pool/contrib/net`: connection managers for TCP, TLS and Unix sockets.
 *
 * @example
 * import { ConnectionPool } from 'generic-connection-pool';
 * import { TlsSocketConnectionManager } from 'generic-connection-pool/contrib/net';
 * const pool = new ConnectionPool(new TlsSocketConnectionManager());
 */

export type { HostPort } from './host-port.ts';
export type { TcpSocketOptions } from './tcp.ts';
export { TcpSocketConnectionManager } from './tcp.ts';
export { TlsSocketConnectionManager } from './tls.ts';
export type { UnixSocketOptions } from './unix.ts';
export { UnixSocketConnectionManager } from './unix.ts';
