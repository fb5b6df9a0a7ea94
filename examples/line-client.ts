// The client side of the examples' line protocol: send a line, read the one-line answer.
import type * as net from 'node:net';

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
