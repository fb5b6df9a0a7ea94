/**
 * A TCP proxy on 127.0.0.1 that forwards to a target on loopback and, while its faults are on,
 * breaks connections the ways networks do: resets them, closes them, half-closes them (the answer
 * never comes, the socket sees its end), delays data, stalls them (data goes nowhere) and drops
 * fresh connections right after accepting them. Faults are drawn from a seeded PRNG, per request
 * chunk and per accepted connection. Node.js only. `close()` frees everything it made.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { random } from '../../reliability/random.ts';

/** Probability of each fault, per client-to-server chunk (`refuse`: per accepted connection). */
export interface ChaosFaults {
  /** Reset both sides (RST to the client). */
  reset: number;
  /** Close both sides gracefully, without forwarding the chunk. */
  close: number;
  /** Forward the chunk, then end the server-to-client direction: its answer is lost. */
  halfClose: number;
  /** Forward the chunk late (0 to `maxDelayMs`); later chunks keep their order. */
  delay: number;
  /** From this chunk on, forward nothing either way; the connection stays open. */
  stall: number;
  /** Drop a connection just accepted. */
  refuse: number;
  maxDelayMs: number;
}

export type ChaosFault = Exclude<keyof ChaosFaults, 'maxDelayMs'>;

export interface ChaosProxy {
  readonly port: number;
  /** Connections accepted so far, and those open now (client side). */
  readonly counts: { accepted: number; open: number } & Record<ChaosFault, number>;
  /** Turns faults on (with these rates) or off (`null`). */
  setFaults(faults: ChaosFaults | null): void;
  /** Resolves once no client connection is open. */
  whenIdle(): Promise<void>;
  /** Stops listening and destroys every connection and timer. */
  close(): Promise<void>;
}

const ignore = (): void => {};

export async function startChaosProxy(targetPort: number, seed: number): Promise<ChaosProxy> {
  const next = random(seed);
  let faults: ChaosFaults | null = null;
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const idleWaiters: Array<() => void> = [];
  const counts = {
    accepted: 0,
    open: 0,
    reset: 0,
    close: 0,
    halfClose: 0,
    delay: 0,
    stall: 0,
    refuse: 0,
  };
  const roll = (fault: ChaosFault): boolean => {
    if (faults === null || next() >= faults[fault]) return false;
    counts[fault]++;
    return true;
  };
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', ignore);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = net.createServer((client) => {
    counts.accepted++;
    counts.open++;
    track(client);
    client.once('close', () => {
      counts.open--;
      if (counts.open === 0) for (const wake of idleWaiters.splice(0)) wake();
    });
    if (roll('refuse')) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    let stalled = false;
    let delayedUntil = 0;
    const forward = (chunk: Buffer, delay: number): void => {
      const wait = Math.max(delay, delayedUntil - Date.now());
      if (wait <= 0) {
        upstream.write(chunk);
        return;
      }
      delayedUntil = Date.now() + wait;
      later(wait, () => upstream.write(chunk));
    };
    const kill = (): void => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (roll('reset')) return kill();
      if (roll('close')) {
        client.end();
        upstream.end();
        return;
      }
      if (roll('stall')) {
        stalled = true;
        return;
      }
      if (roll('halfClose')) {
        forward(chunk, 0);
        client.end();
        return;
      }
      const maxDelay = faults?.maxDelayMs ?? 0;
      forward(chunk, roll('delay') ? Math.ceil(next() * maxDelay) : 0);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!stalled && !client.writableEnded) client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    setFaults(f) {
      faults = f;
    },
    whenIdle: () =>
      new Promise((resolve) => {
        if (counts.open === 0) resolve();
        else idleWaiters.push(resolve);
      }),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
