import { ConnectionPool } from '../src/index.ts';
import { closeServer, portOf, startEchoServer } from './echo-server.ts';
import { request } from './line-client.ts';
import { type Endpoint, TcpConnectionManager } from './tcp-manager.ts';

const server = await startEchoServer(); // a local server to talk to
const endpoint: Endpoint = ['127.0.0.1', portOf(server)];

const pool = new ConnectionPool(new TcpConnectionManager(), {
  minIdle: 1, // per endpoint, idle connections kept beyond idleTimeout
  maxSize: 4, // per endpoint
  totalMaxSize: 16, // all endpoints together
  idleTimeout: 30_000,
});

const answer = await pool.connection(endpoint, (socket) => request(socket, 'hello'));
console.log(answer); // echo: hello
console.log(pool.size, pool.getEndpointPoolSize(endpoint, false)); // 1 1: one idle socket, reused next time

await pool.close();
await closeServer(server);
