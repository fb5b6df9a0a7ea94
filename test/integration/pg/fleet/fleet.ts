/**
 * A fleet of processes sharing one PgFleetBudget, for the fleet tests and `npm run demo:fleet`:
 * `FleetProcess.start` forks worker.ts and drives it over IPC (`{ op: 'pool' }` makes its
 * ConnectionPool with PgConnectionManager and the budget); `sampleFleet` watches the server's slot locks and backends.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import type { PgFleetBudgetOptions } from '../../../../src/contrib/pg/index.ts';
import type { PoolOptions } from '../../../../src/index.ts';
import type { PostgresServer } from '../../helpers/postgres.ts';

/** The pool a worker makes. */
export interface FleetSettings {
  /** The client config of the endpoint 'main'. */
  readonly client: pg.ClientConfig;
  readonly pool: Omit<PoolOptions<string>, 'budget'>;
  /** No budget when absent. */
  readonly budget?: PgFleetBudgetOptions;
}

/** An error as it crosses the IPC channel. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly cause?: WireError;
}

/** What a worker is told to do. */
export type Command =
  /** Make a new pool (closing the one before). */
  | { op: 'pool'; settings: FleetSettings }
  /** Acquire `count` connections at once, each within `timeout` ms, and keep those it got. */
  | { op: 'hold'; count: number; timeout: number }
  /** Release every connection kept. */
  | { op: 'free' }
  /** Start `clients` loops of acquire, `pg_sleep(holdMs)`, release. */
  | { op: 'load'; clients: number; holdMs: number }
  /** Stop the loops; replies with the queries done and the acquires that failed. */
  | { op: 'stop' }
  /**
   * The pool's size, idle connections and waiting acquirers, and `Date.now()` when it first
   * disposed of an expired idle connection (null: never).
   */
  | { op: 'stats' }
  /** Close the pool. */
  | { op: 'close' };

/** A worker's answer to a command (`failed` when it threw). */
export type Reply =
  | { op: 'ready' }
  | { op: 'pool' }
  | { op: 'hold'; held: number; errors: WireError[] }
  | { op: 'free' }
  | { op: 'load' }
  | { op: 'stop'; queries: number; errors: number }
  | { op: 'stats'; size: number; idle: number; waiting: number; idleExpiredAt: number | null }
  | { op: 'close' }
  | { op: 'failed'; error: WireError };

/** One forked worker. */
export class FleetProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #next = 1;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', ({ id, reply }: { id: number; reply: Reply }) => {
      this.#pending.get(id)?.(reply);
      this.#pending.delete(id);
    });
  }

  /** Forks a worker (without a pool) and resolves once it listens. */
  static async start(): Promise<FleetProcess> {
    const child = fork(join(import.meta.dirname, 'worker.ts'), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new FleetProcess(child);
    const ready = new Promise<Reply>((resolve) => worker.#pending.set(0, resolve));
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`fleet worker exited (${code}) before it was ready`);
    });
    await Promise.race([ready, exited]);
    exited.catch(() => undefined);
    return worker;
  }

  /** Sends `command` and resolves with its reply; a `failed` reply rejects. */
  async request<O extends Command['op']>(
    command: Extract<Command, { op: O }>,
  ): Promise<Extract<Reply, { op: O }>> {
    const id = this.#next++;
    const reply = await new Promise<Reply>((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ id, command });
    });
    if (reply.op === 'failed') throw new Error(`fleet worker: ${reply.error.message}`);
    return reply as Extract<Reply, { op: O }>;
  }

  /** Kills the worker with SIGKILL (its pool never closes) and resolves when it has exited. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.#child, 'exit');
    // process.kill, not child.kill: Deno's child.kill() closes the IPC channel before it signals,
    // and the worker exits at 'disconnect': it would end itself, not be killed.
    process.kill(this.#child.pid!, 'SIGKILL');
    await exited;
  }

  /** Whether the worker still runs. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Closes the worker's pool, disconnects and resolves when the worker has exited. */
  async exit(): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.#child, 'exit');
    await this.request({ op: 'close' });
    this.#child.disconnect();
    await exited;
  }
}

/** The most slot locks and backends a sampler saw. */
export interface FleetPeaks {
  slots: number;
  backends: number;
  samples: number;
}

/**
 * Samples, every few milliseconds until `stop()`, the slot locks of the budget `namespace` held
 * on `server` (none when undefined) and the backends whose application_name is
 * `applicationName`, on a connection of its own (reconnected after a server restart). `peaks`
 * are the highest counts since the last `reset()`.
 */
export function sampleFleet(
  server: PostgresServer,
  applicationName: string,
  namespace?: number,
): { readonly peaks: FleetPeaks; reset(): void; stop(): Promise<FleetPeaks> } {
  let peaks: FleetPeaks = { slots: 0, backends: 0, samples: 0 };
  let stopped = false;
  const sampling = (async () => {
    while (!stopped) {
      const client = new pg.Client({ ...server.config, application_name: 'fleet-sampler' });
      client.on('error', () => undefined);
      try {
        await client.connect();
        while (!stopped) {
          const { rows } = await client.query<{ slots: number; backends: number }>(
            `SELECT
               (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2
                  AND granted AND classid::bigint = $1) AS slots,
               (SELECT count(*)::int FROM pg_stat_activity
                  WHERE backend_type = 'client backend' AND application_name = $2) AS backends`,
            [namespace === undefined ? -1 : namespace >>> 0, applicationName],
          );
          const [row] = rows;
          if (row !== undefined) {
            peaks.slots = Math.max(peaks.slots, row.slots);
            peaks.backends = Math.max(peaks.backends, row.backends);
            peaks.samples++;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50)); // the server is restarting
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  })();
  return {
    get peaks() {
      return peaks;
    },
    reset() {
      peaks = { slots: 0, backends: 0, samples: 0 };
    },
    async stop() {
      stopped = true;
      await sampling;
      return peaks;
    },
  };
}
