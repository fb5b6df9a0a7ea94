// The TypeScript version of the Python original's "Extendability" example: a connection manager
// for plain TCP sockets written on BaseConnectionManager, and a helper for a line protocol.
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

/** Reads one `\n`-terminated line; leaves the socket paused so stray data stays visible. */
export function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('socket closed before a full line arrived'));
    };
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

/** Sends one line and resolves with the one-line answer. */
export async function request(socket: net.Socket, line: string): Promise<string> {
  socket.write(`${line}\n`);
  return readLine(socket);
}
