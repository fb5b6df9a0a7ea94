// Soak: many acquire/release cycles by concurrent workers over a few endpoints (and now and then
// a fresh one, used once), with random faults: failing and slow creates, dead connections,
// failing onAcquire and dispose, discards, aborts and `timeout: 0`. Checks that every cycle ends
// as expected (served, or failed with the injected error, EndpointUnavailableError during a
// create backoff, a timeout for `timeout: 0`, or its abort reason), that the heap does not grow
// (after a forced GC), and that after close every connection made was disposed exactly once and
// all sizes are 0.
//
// GCP_SOAK_CYCLES sets the number of cycles (default 50,000; CI runs 1,000,000); GCP_SOAK_SEED
// replays a run. Under test/integration/ because it needs node:v8 and node:vm for the GC.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type ConnectionManager,
  ConnectionPool,
  ConnectionPoolClosedError,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from '../../../src/index.ts';
import { random } from '../../reliability/random.ts';

const CYCLES = Number(process.env.GCP_SOAK_CYCLES ?? 50_000);
const SEED = Number(process.env.GCP_SOAK_SEED ?? Date.now() % 2 ** 31);
const WORKERS = 64;
const ENDPOINTS = ['a', 'b', 'c', 'd', 'e', 'f'];
const HEAP_GROWTH_LIMIT = 5 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

class InjectedError extends Error {}

interface Conn {
  readonly endpoint: string;
  alive: boolean;
  disposed: boolean;
}

/**
 * A lean manager that keeps counts only (a recording mock would grow with every call), failing
 * now and then as the PRNG decides; sync or async at random.
 */
class FaultyManager implements ConnectionManager<string, Conn> {
  created = 0;
  disposed = 0;
  doubleDisposed = 0;
  readonly #next: () => number;

  constructor(next: () => number) {
    this.#next = next;
  }

  create(endpoint: string): Conn | Promise<Conn> {
    const roll = this.#next();
    if (roll < 0.01) throw new InjectedError('create failed');
    const make = (): Conn => {
      this.created++;
      return { endpoint, alive: true, disposed: false };
    };
    if (roll < 0.02) return new Promise((resolve) => setTimeout(() => resolve(make()), 1));
    return roll < 0.5 ? make() : Promise.resolve().then(make);
  }

  dispose(_endpoint: string, conn: Conn): void | Promise<void> {
    if (conn.disposed) this.doubleDisposed++;
    conn.disposed = true;
    conn.alive = false;
    this.disposed++;
    if (this.#next() < 0.01) return Promise.reject(new InjectedError('dispose failed'));
  }

  checkAliveness(_endpoint: string, conn: Conn): boolean | Promise<boolean> {
    return this.#next() < 0.5 ? conn.alive : Promise.resolve(conn.alive);
  }

  onAcquire(): void {
    if (this.#next() < 0.002) throw new InjectedError('onAcquire failed');
  }
}

interface Outcomes {
  cycles: number;
  served: number;
  injected: number;
  unavailable: number;
  timeouts: number;
  aborts: number;
  killed: number;
  discarded: number;
}

/** One cycle: acquire (maybe aborted or with timeout 0), hold briefly, then release or discard. */
async function cycle(
  pool: ConnectionPool<string, Conn>,
  next: () => number,
  n: number,
  out: Outcomes,
): Promise<void> {
  const roll = next();
  const endpoint = roll < 0.01 ? `once-${n}` : ENDPOINTS[Math.floor(next() * ENDPOINTS.length)]!;
  const controller = roll > 0.97 ? new AbortController() : undefined;
  const timeout = roll > 0.92 && roll <= 0.97 ? 0 : 2_000;
  const acquiring = pool.acquire(endpoint, { timeout, signal: controller?.signal });
  if (controller !== undefined) queueMicrotask(() => controller.abort(new Error('aborted')));
  let conn: Conn;
  try {
    conn = await acquiring;
  } catch (error) {
    if (error instanceof InjectedError) out.injected++;
    else if (error instanceof EndpointUnavailableError) out.unavailable++;
    else if (error instanceof ConnectionPoolTimeoutError && timeout === 0) out.timeouts++;
    else if (controller !== undefined && error === controller.signal.reason) out.aborts++;
    else throw error;
    return;
  }
  assert.equal(conn.disposed, false, 'handed out a disposed connection');
  assert.equal(conn.endpoint, endpoint);
  out.served++;
  if (next() < 0.5) await Promise.resolve();
  const fate = next();
  if (fate < 0.01) {
    out.discarded++;
    await pool.discard(conn);
    return;
  }
  if (fate < 0.02) {
    out.killed++;
    conn.alive = false; // found dead by the next acquirer's check
  }
  await pool.release(conn);
}

describe('soak', () => {
  it(`${CYCLES} acquire/release cycles with random faults (seed ${SEED})`, async () => {
    const next = random(SEED);
    const manager = new FaultyManager(next);
    const pool = new ConnectionPool(manager, {
      maxSize: 4,
      totalMaxSize: 16,
      minIdle: 1,
      idleTimeout: 20,
      maxLifetime: 200,
      maxUses: 50,
      // Short, so that failed creates (1%) make endpoints unavailable now and then, not for long.
      createRetryDelay: 1,
      createRetryMaxDelay: 20,
    });
    const out: Outcomes = {
      cycles: 0,
      served: 0,
      injected: 0,
      unavailable: 0,
      timeouts: 0,
      aborts: 0,
      killed: 0,
      discarded: 0,
    };
    let started = 0;
    const run = async (until: number): Promise<void> => {
      const worker = async (): Promise<void> => {
        while (started < until) {
          const n = started++;
          await cycle(pool, next, n, out);
          out.cycles++;
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
    };
    const heap = (): number => {
      for (let i = 0; i < 3; i++) gc();
      return process.memoryUsage().heapUsed;
    };

    await run(Math.min(20_000, Math.floor(CYCLES / 5))); // warm up: code compiled, pool at size
    const before = heap();
    await run(CYCLES);
    const growth = heap() - before;

    assert.equal(out.cycles, CYCLES, 'every cycle ended');
    assert.equal(
      out.served + out.injected + out.unavailable + out.timeouts + out.aborts,
      CYCLES,
      'every cycle served or failed with an expected error',
    );
    assert.ok(
      growth < HEAP_GROWTH_LIMIT,
      `heap grew by ${(growth / 1024 / 1024).toFixed(2)} MB over ${CYCLES} cycles`,
    );
    assert.ok(pool.size <= 16, `size ${pool.size} within totalMaxSize`);

    await pool.close();
    await assert.rejects(pool.acquire('a'), ConnectionPoolClosedError);
    assert.equal(pool.size, 0);
    for (const endpoint of ENDPOINTS) assert.equal(pool.getEndpointPoolSize(endpoint), 0);
    assert.equal(manager.doubleDisposed, 0, 'no connection disposed twice');
    assert.equal(manager.disposed, manager.created, 'every connection made was disposed');
    console.log(
      `soak: ${JSON.stringify({ ...out, created: manager.created, heapGrowthBytes: growth })}`,
    );
  });
});
