// A database outage under load: a real PostgreSQL is stopped while 20 workers query it through
// the pool, stays down for a while, and is started again. During the outage every request must
// fail fast (far below acquireTimeout) with a clear error, EndpointUnavailableError or the
// connection error itself; the pool must try a bounded number of connects (the create backoff:
// one probe at a time, waits doubling up to createRetryMaxDelay); and once the server is back the
// same pool must serve every request again, without restarting anything, with no more server
// backends than maxSize and no wrong answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import {
  ConnectionPool,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from '../../../src/index.ts';
import { backendsSettle, countBackends } from '../helpers/postgres.ts';
import { usePostgres } from '../pg/use-postgres.ts';

const db = usePostgres();

const WORKERS = 20;
const MAX_SIZE = 8;
const ACQUIRE_TIMEOUT_MS = 5_000;
const RETRY_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 800;
const OUTAGE_MS = 3_000;
/** "Fast": a request that fails during the outage fails within this long. */
const FAST_MS = 1_000;

/** The error codes and messages of pg (and the OS) for a server that is going or gone. */
const CONNECTION_ERRORS = [
  'ECONNREFUSED',
  'ECONNRESET',
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P03', // cannot_connect_now: the database system is shutting down / starting up
];
const CONNECTION_MESSAGES = [
  /Connection terminated/,
  /connection error and is not queryable/,
  /Client was closed and is not queryable/,
];

/**
 * The most connects a backoff allows in `ms`: one probe after each wait, the first wait exact, the
 * others at least half their nominal length (jitter), nominal doubling up to the max. The creates
 * running when the server goes (at most maxSize) fail together and count once.
 */
function backoffProbes(ms: number): number {
  let probes = 1;
  for (let t = 0, wait = RETRY_DELAY_MS; ; probes++) {
    t += probes === 1 ? wait : wait / 2;
    if (t >= ms) return probes;
    wait = Math.min(wait * 2, RETRY_MAX_DELAY_MS);
  }
}

type Kind = 'unavailable' | 'connection' | 'timeout' | 'other';

function kindOf(error: unknown): Kind {
  if (error instanceof EndpointUnavailableError) return 'unavailable';
  if (error instanceof ConnectionPoolTimeoutError) return 'timeout';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_ERRORS.includes(code)) return 'connection';
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((re) => re.test(message)))
    return 'connection';
  return 'other';
}

interface Outcome {
  startedAt: number;
  endedAt: number;
  kind: 'ok' | Kind;
  error?: unknown;
}

describe('PostgreSQL outage under load', { timeout: 60_000 }, () => {
  it(`fails fast while the server is down for ${OUTAGE_MS} ms, then recovers`, async () => {
    const app = 'gcp-outage';
    const pool = new ConnectionPool(
      new PgConnectionManager({ master: { ...db.server.config, application_name: app } }),
      {
        maxSize: MAX_SIZE,
        minIdle: 2,
        acquireTimeout: ACQUIRE_TIMEOUT_MS,
        createTimeout: 2_000,
        createRetryDelay: RETRY_DELAY_MS,
        createRetryMaxDelay: RETRY_MAX_DELAY_MS,
      },
    );
    const connects: number[] = [];
    pool.on('create', () => connects.push(Date.now()));
    pool.on('createError', () => connects.push(Date.now()));
    const outcomes: Outcome[] = [];
    const wrong: string[] = [];
    let running = true;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (running) {
        const id = n++;
        const startedAt = Date.now();
        try {
          const rows = await pool.connection('master', async (client) => {
            const result = await client.query<{ id: number }>('SELECT $1::int AS id', [id]);
            return result.rows;
          });
          if (rows[0]?.id !== id) wrong.push(`${id} got ${JSON.stringify(rows)}`);
          outcomes.push({ startedAt, endedAt: Date.now(), kind: 'ok' });
        } catch (error) {
          outcomes.push({ startedAt, endedAt: Date.now(), kind: kindOf(error), error });
          await sleep(10); // a client that fails does not spin
        }
      }
    };
    const backends: number[] = [];
    const sampling = (async () => {
      while (running) {
        if (db.server.running) backends.push(await countBackends(db.server, app).catch(() => 0));
        await sleep(50);
      }
    })();
    const workers = Array.from({ length: WORKERS }, worker);

    try {
      await sleep(1_000);
      const downAt = Date.now();
      await db.server.stop('fast');
      const stoppedAt = Date.now();
      await sleep(OUTAGE_MS);
      const connectsDuringOutage = connects.filter((t) => t >= stoppedAt).length;
      const upAt = Date.now();
      await db.server.start();
      const startedAt = Date.now();
      // Recovered: the first request that started after the server was up and succeeded.
      let firstOk: Outcome | undefined;
      while (firstOk === undefined && Date.now() - startedAt < 5_000) {
        await sleep(20);
        firstOk = outcomes.find((o) => o.kind === 'ok' && o.startedAt >= startedAt);
      }
      await sleep(1_000);
      const steadyFrom = Date.now();
      await sleep(1_000);
      running = false;
      await Promise.all(workers);
      await sampling;

      const before = outcomes.filter((o) => o.endedAt < downAt);
      const during = outcomes.filter((o) => o.startedAt >= stoppedAt && o.endedAt < upAt);
      const failures = during.filter((o) => o.kind !== 'ok');
      const steady = outcomes.filter((o) => o.startedAt >= steadyFrom);
      const slowest = Math.max(...failures.map((o) => o.endedAt - o.startedAt));
      const kinds = (list: Outcome[]) =>
        Object.fromEntries(
          ['ok', 'unavailable', 'connection', 'timeout', 'other'].map((k) => [
            k,
            list.filter((o) => o.kind === k).length,
          ]),
        );
      const figures = {
        before: kinds(before),
        during: kinds(during),
        slowestFailureMs: slowest,
        connectsDuringOutage,
        recoveryMs: firstOk === undefined ? undefined : firstOk.endedAt - startedAt,
        steady: kinds(steady),
        maxBackends: Math.max(...backends),
      };
      console.log(`pg-outage: ${JSON.stringify(figures)}`);

      assert.deepEqual(wrong, [], 'wrong answers');
      assert.ok(before.length > 0 && before.every((o) => o.kind === 'ok'), 'all ok before');
      assert.ok(failures.length > 0, 'requests failed during the outage');
      assert.equal(
        failures.length,
        during.length,
        'no request succeeded while the server was down',
      );
      assert.deepEqual(
        failures.filter((o) => o.kind === 'other' || o.kind === 'timeout').map((o) => o.error),
        [],
        'only EndpointUnavailableError and connection errors during the outage',
      );
      assert.ok(slowest < FAST_MS, `failures are fast: the slowest took ${slowest} ms`);
      const bound = MAX_SIZE + backoffProbes(OUTAGE_MS);
      assert.ok(
        connectsDuringOutage <= bound,
        `${connectsDuringOutage} connects during the outage, at most ${bound}`,
      );
      assert.ok(firstOk !== undefined, 'served again after the restart');
      assert.ok(
        firstOk.endedAt - startedAt < RETRY_MAX_DELAY_MS + 1_000,
        'recovered within one backoff wait',
      );
      assert.ok(steady.length > 0 && steady.every((o) => o.kind === 'ok'), 'all ok once recovered');
      assert.ok(Math.max(...backends) <= MAX_SIZE, 'never more backends than maxSize');
      assert.ok(pool.size <= MAX_SIZE);
    } finally {
      running = false;
      await Promise.all(workers);
      await sampling;
      if (!db.server.running) await db.server.start();
      await pool.close();
    }
    assert.equal(pool.size, 0);
    assert.equal(await backendsSettle(db.server, 0, app), 0, 'no backend left after close');
  });
});
