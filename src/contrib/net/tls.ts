import * as net from 'node:net';
import * as tls from 'node:tls';
import { checkHostPort, type HostPort } from './host-port.ts';
import { SocketConnectionManager } from './socket-manager.ts';

/**
 * Pools TLS sockets. Endpoint `[host, port]`, connection `tls.TLSSocket`, usable once the
 * handshake is done (`'secureConnect'`).
 *
 * - Certificates are verified against the endpoint's host: `rejectUnauthorized` is `true` unless
 *   `options` say otherwise (the `NODE_TLS_REJECT_UNAUTHORIZED` variable does not turn it off).
 *   Trust a private CA with `ca`.
 * - The server name (SNI) is the host, unless the host is an IP address (RFC 6066 forbids IP
 *   server names; the certificate is still checked against the IP) or `options.servername` is set.
 * - Lifecycle as {@link TcpSocketConnectionManager}: `create` honours its signal, idle sockets never
 *   crash the process and are dead once closed, reset or sent data; `dispose` sends close_notify
 *   and FIN, and destroys the socket when its signal aborts.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool(new TlsSocketConnectionManager({ ca: readFileSync('ca.pem') }));
 * await pool.connection(['db.internal', 443], (socket) => talk(socket));
 * ```
 */
export class TlsSocketConnectionManager extends SocketConnectionManager<
  HostPort,
  tls.TLSSocket,
  tls.ConnectionOptions
> {
  protected readonly readyEvent = 'secureConnect';
  readonly #secureContext: tls.SecureContext;

  /**
   * @param options `tls.connect` options for every socket (default: none; certificates verified
   *   against the system's CAs). `host` and `port` come from the endpoint. The secure context
   *   (`ca`, `cert`, `key`, ...) is built once, here, unless `options.secureContext` is given:
   *   invalid certificates or keys throw now, and no connect parses them again.
   */
  constructor(options: tls.ConnectionOptions = {}) {
    super(options);
    this.#secureContext = this.options.secureContext ?? tls.createSecureContext(this.options);
  }

  protected connect(endpoint: HostPort): tls.TLSSocket {
    checkHostPort(this.constructor.name, endpoint);
    const [host, port] = endpoint;
    const { options } = this;
    return tls.connect({
      rejectUnauthorized: true,
      ...options,
      secureContext: this.#secureContext,
      host,
      port,
      servername: options.servername ?? (net.isIP(host) === 0 ? host : undefined),
    });
  }
}
