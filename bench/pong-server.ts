/**
 * The smallest request/response protocol for the socket scenario: the client sends `ping\n`, the
 * server answers every line with `pong\n`. The server listens on 127.0.0.1 only.
 */
import { once } from 'node:events';
import * as net from 'node:net';

const NEWLINE = 0x0a;
const PONG = Buffer.from('pong\n');

/** Starts the server on a free port of 127.0.0.1. */
export async function startPongServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {}); // a client resetting is not the server's problem
    socket.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
        socket.write(PONG);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Closes the server once its connections are gone. */
export function stopServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Sends `ping\n` and resolves at the answer's newline; leaves the socket paused. */
export function ping(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
    };
    const onData = (chunk: Buffer): void => {
      if (chunk.includes(NEWLINE)) {
        done();
        resolve();
      }
    };
    const onClose = (): void => {
      done();
      reject(new Error('the server closed the connection before answering'));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume(); // a paused socket does not restart on its own when a 'data' listener is added
    socket.write('ping\n');
  });
}
