/**
 * Scenario 6: real sockets. A ping/pong server on 127.0.0.1 (started here, stopped after); 10
 * workers send one-line requests, pooled (maxSize 10) or over a new connection per request. The
 * sockets come from contrib/net's TcpSocketConnectionManager, also for generic-pool and tarn
 * (there its `onAcquire` runs once after create, so the socket is in the state ours hands out);
 * ours runs the manager's `checkAliveness`, `onAcquire` and `onRelease` on every request.
 */
import type * as net from 'node:net';
import * as genericPool from 'generic-pool';
import * as tarn from 'tarn';
import { TcpSocketConnectionManager } from '../../src/contrib/net/index.ts';
import { ConnectionPool } from '../../src/index.ts';
import { compare } from '../harness.ts';
import { ping, startPongServer, stopServer } from '../pong-server.ts';
import { closeGenericPool } from '../pools.ts';
import { rowsOf, slowerThanOurs } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

const WORKERS = 10;
const MAX = 10;

/** Runs `ops` requests spread over `WORKERS` concurrent workers. */
function workers(ops: number, send: () => Promise<unknown>): Promise<unknown> {
  const each = Math.ceil(ops / WORKERS);
  return Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (let i = 0; i < each; i++) await send();
    }),
  );
}

export const sockets: Scenario = {
  name: 'sockets',
  title: `real TCP on 127.0.0.1: ${WORKERS} workers, one-line request/response, pooled (max ${MAX}) vs a connection per request`,
  async run(settings) {
    const server = await startPongServer();
    const endpoint = ['127.0.0.1', (server.address() as net.AddressInfo).port] as const;
    const manager = new TcpSocketConnectionManager();
    // A fresh signal per call, as the pool gives: one shared signal would collect listeners.
    const context = () => ({ signal: new AbortController().signal });
    /** A socket as ours hands it out: connected, its idle listeners off. */
    const connect = async (): Promise<net.Socket> => {
      const socket = await manager.create(endpoint, context());
      manager.onAcquire(endpoint, socket);
      return socket;
    };
    const factory = {
      create: connect,
      destroy: (socket: net.Socket) => manager.dispose(endpoint, socket, context()),
    };
    const pool = new ConnectionPool(manager, { maxSize: MAX });
    const gp = genericPool.createPool(factory, { max: MAX, min: 1 });
    const tp = new tarn.Pool({ ...factory, max: MAX, min: 1 });
    const samples = await compare(
      [
        {
          name: 'ours',
          run: (ops) => workers(ops, () => pool.connection(endpoint, ping)),
        },
        {
          name: 'new connection per request',
          run: (ops) =>
            workers(ops, async () => {
              const socket = await connect();
              await ping(socket);
              socket.end(); // closing is not awaited: a client would not wait for it either
            }),
        },
        {
          name: 'generic-pool',
          run: (ops) => workers(ops, () => gp.use(ping)),
        },
        {
          name: 'tarn',
          run: (ops) =>
            workers(ops, async () => {
              const socket = await tp.acquire().promise;
              try {
                await ping(socket);
              } finally {
                tp.release(socket);
              }
            }),
        },
      ],
      planFor(settings, { ops: 5_000, rounds: 9, warmup: 1 }),
    );
    await Promise.all([pool.close(), closeGenericPool(gp), tp.destroy()]);
    await stopServer(server);
    return rowsOf(samples, {
      unit: 'req/s',
      floor: 'new connection per request',
      targets: { 'generic-pool': slowerThanOurs(1.1), tarn: slowerThanOurs(1.1) },
      notes: {
        'new connection per request':
          'connect, one request, end (not awaited); the reference of the "cost vs floor" column here',
      },
    });
  },
};
