import { once } from 'node:events';
import { createServer } from 'node:net';
import { TcpSocketConnectionManager } from '../src/contrib/net/index.ts';
import { ConnectionPool } from '../src/index.ts';

// A local echo server to talk to (your database or service in real life).
const server = createServer((socket) => socket.on('data', (data) => socket.write(`echo: ${data}`)));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('not a TCP server');

const pool = new ConnectionPool(new TcpSocketConnectionManager(), {
  minIdle: 1, // per endpoint, idle connections kept beyond idleTimeout
  maxSize: 4, // per endpoint
  totalMaxSize: 16, // all endpoints together
  idleTimeout: 30_000,
});

for (const word of ['hello', 'again']) {
  // Acquires a socket (a new one, or an idle one), runs the function, releases the socket.
  const answer = await pool.connection(['127.0.0.1', address.port], async (socket) => {
    socket.write(`${word}\n`);
    const [data] = await once(socket, 'data'); // a short answer arrives in one chunk here
    return String(data).trim();
  });
  console.log(answer); // echo: hello, then echo: again
}
console.log(pool.stats().totals.created, pool.size); // 1 1: one socket served both, and is idle

await pool.close();
server.close();
