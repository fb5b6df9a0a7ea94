// PgFleetBudget across processes (SPEC §9): forked workers (fleet/worker.ts), each a
// ConnectionPool of PgConnectionManager, share one budget on a real PostgreSQL. A sampler reads
// pg_locks and pg_stat_activity every few milliseconds: the slots never exceed the limit, the
// backends never exceed the limit plus one per process; room freed by a killed process or by
// idle connections expiring is used by the others within a second; a full fleet times an
// acquire out with ConnectionBudgetExhaustedError as its cause; after a server restart the slots
// are taken again, never above the limit.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { PgFleetBudget } from '../../../src/contrib/pg/index.ts';
import { backendsSettle } from '../helpers/postgres.ts';
import { FleetProcess, type FleetSettings, type Reply, sampleFleet } from './fleet/fleet.ts';
import { usePostgres } from './use-postgres.ts';

const db = usePostgres();
const applicationName = 'fleet-test';
/** Forked once and reused by the tests (forking a worker through tsx costs about a second). */
const workers: FleetProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.alive && worker.request({ op: 'close' })));
  assert.equal(await backendsSettle(db.server, 0), 0, 'every backend gone');
});
after(() => Promise.all(workers.splice(0).map((worker) => worker.exit())));

/** `count` workers, each with a new pool on the budget `name` of `limit`. */
async function fleet(
  count: number,
  name: string,
  limit: number,
  pool: FleetSettings['pool'] = {},
): Promise<FleetProcess[]> {
  const alive = workers.filter((worker) => worker.alive);
  workers.splice(0, workers.length, ...alive);
  const forked = await Promise.all(
    Array.from({ length: Math.max(0, count - alive.length) }, () => FleetProcess.start()),
  );
  workers.push(...forked);
  const settings: FleetSettings = {
    client: { ...db.server.config, application_name: applicationName },
    pool: { minIdle: 0, maxSize: 10, ...pool },
    budget: { name, limit },
  };
  const chosen = workers.slice(0, count);
  await Promise.all(chosen.map((worker) => worker.request({ op: 'pool', settings })));
  return chosen;
}

/** Asks `worker` for its stats until `ready` holds them (IPC round trips 10 ms apart). */
async function untilStats(
  worker: FleetProcess,
  ready: (stats: Extract<Reply, { op: 'stats' }>) => boolean,
): Promise<void> {
  while (!ready(await worker.request({ op: 'stats' }))) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const namespaceOf = (name: string) => new PgFleetBudget({ name, limit: 1 }).namespace;
const run = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PgFleetBudget across processes', { timeout: 60_000 }, () => {
  it('never holds more than limit slots, nor more backends than limit plus one per process', async () => {
    const processes = await fleet(4, 'fleet-peaks', 12);
    const sampler = sampleFleet(db.server, applicationName, namespaceOf('fleet-peaks'));
    await Promise.all(processes.map((p) => p.request({ op: 'load', clients: 10, holdMs: 20 })));
    await run(3_000); // 4 × 10 loops want 40 connections for 3 s
    const done = await Promise.all(processes.map((p) => p.request({ op: 'stop' })));
    const peaks = await sampler.stop();
    console.log(
      `peaks over ${peaks.samples} samples: ${peaks.slots} slots, ${peaks.backends} backends`,
    );
    assert.equal(peaks.slots, 12, 'every slot used, never more');
    assert.ok(peaks.backends >= 12 && peaks.backends <= 12 + 4, `${peaks.backends} backends`);
    assert.deepEqual(
      done.map((d) => d.errors),
      [0, 0, 0, 0],
    );
    for (const { queries } of done) assert.ok(queries > 0, 'every process got connections');
  });

  it("gives a SIGKILLed process's slots to the others within a second", async () => {
    const [killed, waiting] = (await fleet(2, 'fleet-kill', 8)) as [FleetProcess, FleetProcess];
    assert.deepEqual(await killed.request({ op: 'hold', count: 8, timeout: 5_000 }), {
      op: 'hold',
      held: 8,
      errors: [],
    });
    const holding = waiting.request({ op: 'hold', count: 4, timeout: 5_000 });
    await untilStats(waiting, (stats) => stats.waiting === 4);
    const killedAt = performance.now();
    await killed.kill();
    assert.deepEqual(await holding, { op: 'hold', held: 4, errors: [] });
    const reusedMs = performance.now() - killedAt;
    console.log(`slots of the killed process reused after ${reusedMs.toFixed(0)} ms`);
    assert.ok(reusedMs < 1_000, `${reusedMs} ms`);
  });

  it('lets another process grow when idle connections expire in one', async () => {
    const [expiring, growing] = (await fleet(2, 'fleet-idle', 8, { idleTimeout: 300 })) as [
      FleetProcess,
      FleetProcess,
    ];
    assert.equal((await expiring.request({ op: 'hold', count: 8, timeout: 5_000 })).held, 8);
    await expiring.request({ op: 'free' });
    assert.deepEqual(await growing.request({ op: 'hold', count: 6, timeout: 5_000 }), {
      op: 'hold',
      held: 6,
      errors: [],
    });
    const grewAt = Date.now(); // both processes read the same wall clock
    await untilStats(expiring, (stats) => stats.size === 0);
    const { idleExpiredAt } = await expiring.request({ op: 'stats' });
    assert.ok(idleExpiredAt !== null);
    const grewMs = grewAt - idleExpiredAt;
    console.log(`grew ${grewMs} ms after the first idle connection expired in the other process`);
    assert.ok(grewMs >= 0 && grewMs < 1_000, `${grewMs} ms`);
  });

  it('times an acquire out with ConnectionBudgetExhaustedError as its cause while the fleet is full', async () => {
    const [full, late] = (await fleet(2, 'fleet-full', 8)) as [FleetProcess, FleetProcess];
    assert.equal((await full.request({ op: 'hold', count: 8, timeout: 5_000 })).held, 8);
    const { held, errors } = await late.request({ op: 'hold', count: 1, timeout: 800 });
    assert.equal(held, 0);
    assert.equal(errors.length, 1);
    const [error] = errors;
    assert.equal(error?.name, 'ConnectionPoolTimeoutError');
    assert.equal(error?.code, 'ERR_POOL_TIMEOUT');
    assert.deepEqual(error?.cause, {
      name: 'ConnectionBudgetExhaustedError',
      code: 'ERR_POOL_BUDGET_EXHAUSTED',
      message:
        'The connection budget of endpoint "main" is full: all 8 slots are held across the processes that share it',
    });
  });

  it('takes the slots again after a server restart mid-load, never above the limit', async () => {
    const processes = await fleet(3, 'fleet-restart', 9, {
      maxSize: 6,
      acquireTimeout: 2_000, // an acquire or connect caught by the restart gives up soon
      createTimeout: 2_000,
      createRetryDelay: 50,
      createRetryMaxDelay: 200,
    });
    const sampler = sampleFleet(db.server, applicationName, namespaceOf('fleet-restart'));
    await Promise.all(processes.map((p) => p.request({ op: 'load', clients: 6, holdMs: 10 })));
    await run(1_000);
    assert.equal(sampler.peaks.slots, 9, 'before the restart');
    await db.server.stop('fast');
    sampler.reset(); // the server is down: nothing is sampled until it is back
    await db.server.start();
    await run(2_000);
    const done = await Promise.all(processes.map((p) => p.request({ op: 'stop' })));
    const peaks = await sampler.stop();
    console.log(
      `after the restart, over ${peaks.samples} samples: ${peaks.slots} slots, ${peaks.backends} backends; ` +
        `acquires failed during it: ${done.map((d) => d.errors).join(', ')}`,
    );
    assert.equal(peaks.slots, 9, 'taken again, never more');
    assert.ok(peaks.backends <= 9 + 3, `${peaks.backends} backends`);
  });
});
