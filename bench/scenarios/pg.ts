/**
 * Scenario 7: a real PostgreSQL (embedded, started here on 127.0.0.1, destroyed after). pg.Pool,
 * ConnectionPool + PgConnectionManager and PgPool, each with its default options (10 clients),
 * serve `SELECT 1` from 1, 10 and 100 workers and `BEGIN; SELECT 1; COMMIT` from 50 workers; each
 * worker checks a client out, runs its statements and gives the client back. The reference is
 * pg.Pool ("cost vs floor" is cost vs pg.Pool; the target is at most its cost), next to a second
 * pg.Pool whose cost vs the first is the run's noise. Each row's note gives the p50 and p99 of the
 * time to check a client out, and the median over the rounds of this process's CPU time per
 * request (the measured rounds only). That CPU time is the pools' and pg's work alone: the
 * server's share of the two cores, and the scheduling noise it brings to the wall clock, are not
 * in it.
 */
import pg from 'pg';
import { PgConnectionManager, PgPool } from '../../src/contrib/pg/index.ts';
import { ConnectionPool } from '../../src/index.ts';
import { startPostgres } from '../../test/integration/helpers/postgres.ts';
import { compare, median, type Plan } from '../harness.ts';
import { atMostFloor, rowsOf, type ScenarioRow } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

/**
 * A second pg.Pool, the same as the first: its cost vs pg.Pool is this run's noise (an A/A
 * comparison), the yardstick for the others' distance from 1.
 */
const A_A = 'pg.Pool again (A/A)';

/** Runs a workload's statements through `query`. */
type Statements = (query: (text: string) => Promise<unknown>) => Promise<unknown>;

interface Workload {
  readonly name: string;
  readonly workers: number;
  readonly statements: Statements;
  readonly plan: Plan;
}

const select: Statements = (query) => query('SELECT 1');
const transaction: Statements = async (query) => {
  await query('BEGIN');
  await query('SELECT 1');
  await query('COMMIT');
};

const WORKLOADS: readonly Workload[] = [
  { name: 'SELECT 1, 1 worker', workers: 1, statements: select, plan: plan(1_500) },
  { name: 'SELECT 1, 10 workers', workers: 10, statements: select, plan: plan(3_000) },
  { name: 'SELECT 1, 100 workers', workers: 100, statements: select, plan: plan(3_000) },
  {
    name: 'BEGIN; SELECT 1; COMMIT, 50 workers',
    workers: 50,
    statements: transaction,
    plan: plan(1_000),
  },
];

/** Many short rounds: on a shared machine the median of neighbouring rounds' ratios needs them. */
function plan(ops: number): Plan {
  return { ops, rounds: 21, warmup: 2 };
}

/**
 * Of one contender's measured rounds: the times to check a client out, in ms, and the CPU time
 * this process spent per request in each round, in µs.
 */
class RoundStats {
  readonly #warmup: number;
  #round = 0;
  readonly #ms: number[] = [];
  readonly #cpuUs: number[] = [];
  #cpuAtStart: NodeJS.CpuUsage | undefined;

  constructor(warmup: number) {
    this.#warmup = warmup;
  }

  /** Called at the start of each round. */
  round(): void {
    this.#round++;
    this.#cpuAtStart = process.cpuUsage();
  }

  /** Called at the end of each round, of `requests` requests. */
  roundDone(requests: number): void {
    const { user, system } = process.cpuUsage(this.#cpuAtStart);
    if (this.#round > this.#warmup) this.#cpuUs.push((user + system) / requests);
  }

  add(ms: number): void {
    if (this.#round > this.#warmup) this.#ms.push(ms);
  }

  /** `checkout p50 … ms, p99 … ms; CPU … µs/request`. */
  toString(): string {
    const sorted = [...this.#ms].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return (
      `checkout p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms; ` +
      `CPU ${median(this.#cpuUs).toFixed(1)} µs/request`
    );
  }
}

/** Runs `ops` tasks spread over `workers` concurrent workers: one round of `stats`. */
async function workers(
  ops: number,
  count: number,
  stats: RoundStats,
  task: () => Promise<unknown>,
): Promise<void> {
  const each = Math.ceil(ops / count);
  stats.round();
  await Promise.all(
    Array.from({ length: count }, async () => {
      for (let i = 0; i < each; i++) await task();
    }),
  );
  stats.roundDone(each * count);
}

/** A contender with a `pg.Pool`'s API: pg.Pool itself or PgPool. */
function pgStyle(name: string, pool: pg.Pool, work: Workload, times: RoundStats) {
  return {
    name,
    run(ops: number) {
      return workers(ops, work.workers, times, async () => {
        const started = performance.now();
        const client = await pool.connect();
        times.add(performance.now() - started);
        try {
          await work.statements((text) => client.query(text));
        } finally {
          client.release();
        }
      });
    },
  };
}

export const pgScenario: Scenario = {
  name: 'pg',
  title:
    'real PostgreSQL on 127.0.0.1, default options (10 clients): pg.Pool vs ConnectionPool + PgConnectionManager vs PgPool',
  async run(settings) {
    const server = await startPostgres();
    const rows: ScenarioRow[] = [];
    try {
      const config = server.config;
      const pgPool = new pg.Pool(config);
      const pgPoolAgain = new pg.Pool(config);
      const ours = new ConnectionPool(new PgConnectionManager({ db: config }));
      const pgPoolOurs = new PgPool(config);
      for (const work of WORKLOADS) {
        const plan = planFor(settings, work.plan);
        const times = {
          'pg.Pool': new RoundStats(plan.warmup),
          [A_A]: new RoundStats(plan.warmup),
          'ConnectionPool + PgConnectionManager': new RoundStats(plan.warmup),
          PgPool: new RoundStats(plan.warmup),
        };
        const samples = await compare(
          [
            pgStyle('pg.Pool', pgPool, work, times['pg.Pool']),
            pgStyle(A_A, pgPoolAgain, work, times[A_A]),
            {
              name: 'ConnectionPool + PgConnectionManager',
              run(ops) {
                const own = times['ConnectionPool + PgConnectionManager'];
                return workers(ops, work.workers, own, async () => {
                  const started = performance.now();
                  const client = await ours.acquire('db');
                  own.add(performance.now() - started);
                  try {
                    await work.statements((text) => client.query(text));
                  } finally {
                    await ours.release(client);
                  }
                });
              },
            },
            pgStyle('PgPool', pgPoolOurs, work, times.PgPool),
          ],
          plan,
        );
        const target = atMostFloor(1);
        const workloadRows = rowsOf(samples, {
          unit: 'req/s',
          ours: 'PgPool',
          floor: 'pg.Pool',
          targets: { 'ConnectionPool + PgConnectionManager': target, PgPool: target },
          notes: Object.fromEntries(Object.entries(times).map(([name, t]) => [name, String(t)])),
        });
        rows.push(
          ...workloadRows.map((row) => ({ ...row, contender: `${work.name}: ${row.contender}` })),
        );
      }
      await Promise.all([pgPool.end(), pgPoolAgain.end(), ours.close(), pgPoolOurs.end()]);
    } finally {
      await server.destroy();
    }
    return rows;
  },
};
