// A small connection manager for plain TCP sockets written on BaseConnectionManager, for the
// quickstart: the whole contract in a few lines. `generic-connection-pool/contrib/net` has
// complete ones (TcpSocketConnectionManager, TlsSocketConnectionManager, ...).
import { once } from 'node:events';
import * as net from 'node:net';
import type { OperationContext } from '../src/index.ts';
import { BaseConnectionManager } from '../src/index.ts';

/** `[host, port]`. */
export type Endpoint = readonly [host: string, port: number];

/** Opens, checks and closes plain TCP sockets; the pool decides when. */
export class TcpConnectionManager extends BaseConnectionManager<Endpoint, net.Socket> {
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
