// Fault injection on real sockets: 200 concurrent clients send requests, each with a unique id,
// through a pool of TCP sockets to an echo server, by way of a chaos proxy (helpers/chaos-proxy.ts)
// that resets, closes, half-closes, delays and stalls connections and drops fresh ones. The
// clients do what careful application code does: a request that fails or takes too long has its
// connection discarded and is retried, at most three times. Asserts: no wrong answer, no
// unhandled error, every failure of an expected kind, the pool within its limits, throughput back
// to the baseline soon after the faults stop, and everything closed at the end.
//
// GCP_CHAOS_MS sets how long the faults last (default 3,000; CI runs 60,000); GCP_CHAOS_SEED
// replays the proxy's faults.

import assert from 'node:assert/strict';
import type * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeServer, portOf, startEchoServer } from '../../../examples/echo-server.ts';
import { TcpSocketConnectionManager } from '../../../src/contrib/net/index.ts';
import {
  ConnectionPool,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from '../../../src/index.ts';
import { type ChaosFaults, type ChaosProxy, startChaosProxy } from '../helpers/chaos-proxy.ts';

const CHAOS_MS = Number(process.env.GCP_CHAOS_MS ?? 3_000);
const SEED = Number(process.env.GCP_CHAOS_SEED ?? Date.now() % 2 ** 31);
const CLIENTS = 200;
const MAX_SIZE = 20;
const ATTEMPTS = 3;
/** A request whose answer takes longer than this is given up (its connection discarded). */
const REQUEST_TIMEOUT_MS = 250;
/** How long a client waits before retrying after EndpointUnavailableError. */
const UNAVAILABLE_PAUSE_MS = 50;
const FAULTS: ChaosFaults = {
  reset: 0.01,
  close: 0.01,
  halfClose: 0.01,
  delay: 0.05,
  stall: 0.005,
  refuse: 0.02,
  maxDelayMs: 400,
};
/** After the faults stop, a 500 ms window must reach this share of the baseline within... */
const RECOVERED_SHARE = 0.7;
/** ...this long. */
const RECOVERY_LIMIT_MS = 5_000;

/** Why one attempt failed; anything else fails the test. */
type FailureKind =
  | 'acquire timeout'
  | 'endpoint unavailable'
  | 'request timeout'
  | 'closed'
  | 'ECONNRESET'
  | 'EPIPE';

class RequestTimeout extends Error {}
class ClosedBeforeAnswer extends Error {}

function kindOf(error: unknown): FailureKind | undefined {
  if (error instanceof ConnectionPoolTimeoutError) return 'acquire timeout';
  if (error instanceof EndpointUnavailableError) return 'endpoint unavailable';
  if (error instanceof RequestTimeout) return 'request timeout';
  if (error instanceof ClosedBeforeAnswer) return 'closed';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNRESET' || code === 'EPIPE') return code;
  return undefined;
}

/** Sends `id` and resolves with the one-line answer; leaves the socket paused, nothing unread. */
function request(socket: net.Socket, id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', done);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (error === undefined) resolve(text);
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (text.endsWith('\n')) {
        text = text.slice(0, -1);
        done();
      }
    };
    const onEnd = (): void => done(new ClosedBeforeAnswer(`closed before the answer to ${id}`));
    const timer = setTimeout(
      () => done(new RequestTimeout(`no answer to ${id}`)),
      REQUEST_TIMEOUT_MS,
    );
    socket.on('data', onData);
    socket.on('error', done);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.resume();
    socket.write(`${id}\n`);
  });
}

interface Tally {
  ok: number;
  wrong: string[];
  /** Requests that failed all their attempts, by the last attempt's error. */
  failed: Map<FailureKind, number>;
  /** Attempts that failed and were retried or gave up, by error. */
  attemptsFailed: Map<FailureKind, number>;
  unexpected: unknown[];
}

function count(map: Map<FailureKind, number>, kind: FailureKind): void {
  map.set(kind, (map.get(kind) ?? 0) + 1);
}

type Pool = ConnectionPool<readonly [string, number], net.Socket>;

/** One request, as application code would send it: retried on a fresh connection when it fails. */
async function send(pool: Pool, endpoint: readonly [string, number], id: string, tally: Tally) {
  let last: FailureKind = 'closed';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let socket: net.Socket;
    try {
      socket = await pool.acquire(endpoint, { timeout: 2_000 });
    } catch (error) {
      const kind = kindOf(error);
      if (kind === undefined) return void tally.unexpected.push(error);
      count(tally.attemptsFailed, kind);
      last = kind;
      // The endpoint backs off after a failed create: retrying at once would fail the same way.
      if (kind === 'endpoint unavailable') await sleep(UNAVAILABLE_PAUSE_MS);
      continue;
    }
    let answer: string;
    try {
      answer = await request(socket, id);
    } catch (error) {
      await pool.discard(socket, error);
      const kind = kindOf(error);
      if (kind === undefined) return void tally.unexpected.push(error);
      count(tally.attemptsFailed, kind);
      last = kind;
      continue;
    }
    await pool.release(socket);
    if (answer === `echo: ${id}`) tally.ok++;
    else tally.wrong.push(`${id} got ${JSON.stringify(answer)}`);
    return;
  }
  count(tally.failed, last);
}

describe('chaos: a pool of TCP sockets through a faulty proxy', () => {
  const unhandled: unknown[] = [];
  const record = (error: unknown): void => {
    unhandled.push(error);
  };
  before(() => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });
  after(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  });

  it(`${CLIENTS} clients, ${CHAOS_MS} ms of faults (seed ${SEED}): no wrong answer, recovery`, async () => {
    const echo = await startEchoServer();
    let proxy: ChaosProxy | undefined;
    let pool: Pool | undefined;
    try {
      proxy = await startChaosProxy(portOf(echo), SEED);
      const endpoint = ['127.0.0.1', proxy.port] as const;
      pool = new ConnectionPool(new TcpSocketConnectionManager({ noDelay: true }), {
        maxSize: MAX_SIZE,
        totalMaxSize: MAX_SIZE,
        minIdle: MAX_SIZE,
      });
      const p = pool;
      const tally: Tally = {
        ok: 0,
        wrong: [],
        failed: new Map(),
        attemptsFailed: new Map(),
        unexpected: [],
      };
      let running = true;
      let maxSize = 0;
      const client = async (c: number): Promise<void> => {
        for (let n = 0; running; n++) {
          await send(p, endpoint, `${c}-${n}`, tally);
          maxSize = Math.max(maxSize, p.size);
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
      /** Successful requests per second over the next `ms`. */
      const throughput = async (ms: number): Promise<number> => {
        const start = tally.ok;
        await sleep(ms);
        return ((tally.ok - start) * 1000) / ms;
      };

      await sleep(500); // warm up
      const baseline = await throughput(1_000);
      assert.equal(sum(tally.attemptsFailed), 0, 'no failure before the faults');
      proxy.setFaults(FAULTS);
      const during = await throughput(CHAOS_MS);
      proxy.setFaults(null);
      const stoppedAt = Date.now();
      let recovered = 0;
      while (Date.now() - stoppedAt < RECOVERY_LIMIT_MS) {
        recovered = await throughput(500);
        if (recovered >= RECOVERED_SHARE * baseline) break;
      }
      const recoveryMs = Date.now() - stoppedAt;
      const failuresBefore = sum(tally.attemptsFailed);
      const after = await throughput(1_000);
      const failuresAfter = sum(tally.attemptsFailed) - failuresBefore;
      running = false;
      await Promise.all(clients);

      const figures = {
        seed: SEED,
        baseline,
        during,
        recovered,
        recoveryMs,
        after,
        ok: tally.ok,
        failed: Object.fromEntries(tally.failed),
        attemptsFailed: Object.fromEntries(tally.attemptsFailed),
        faults: proxy.counts,
        createErrors: p.stats().totals.createErrors,
        maxSize,
      };
      console.log(`chaos: ${JSON.stringify(figures)}`);
      assert.deepEqual(tally.wrong, [], 'wrong answers');
      assert.deepEqual(tally.unexpected, [], 'errors of an unexpected kind');
      assert.deepEqual(unhandled, [], 'unhandled errors');
      assert.ok(
        proxy.counts.reset + proxy.counts.close + proxy.counts.stall > 0,
        'faults were injected',
      );
      assert.ok(maxSize <= MAX_SIZE, `pool size ${maxSize} within maxSize`);
      assert.ok(
        recovered >= RECOVERED_SHARE * baseline,
        `throughput back within ${RECOVERY_LIMIT_MS} ms`,
      );
      assert.equal(failuresAfter, 0, 'no failure once recovered');
      assert.ok(after >= 0.5 * baseline, 'throughput stays up');
      assert.ok(p.size <= MAX_SIZE);

      await p.close();
      assert.equal(p.size, 0);
      await proxy.whenIdle();
    } finally {
      await pool?.close();
      await proxy?.close();
      await closeServer(echo);
    }
  });
});

function sum(map: Map<FailureKind, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}
