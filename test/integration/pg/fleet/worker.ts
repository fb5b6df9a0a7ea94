// One process of a fleet (forked by fleet.ts), driven by its parent over IPC: the command `pool`
// makes a ConnectionPool of PgConnectionManager with one endpoint, 'main', and a PgFleetBudget
// shared with the other processes (closing the pool made before); the others use it. Each
// command gets one reply (Reply). The process exits when its parent disconnects.
import type pg from 'pg';
import { PgConnectionManager, PgFleetBudget } from '../../../../src/contrib/pg/index.ts';
import { ConnectionPool } from '../../../../src/index.ts';
import type { Command, FleetSettings, Reply, WireError } from './fleet.ts';

let pool: ConnectionPool<'main', pg.Client> | undefined;
/** `Date.now()` when the pool first disposed of an idle connection that expired. */
let idleExpiredAt: number | null = null;
const held: pg.Client[] = [];
let load:
  | { stop: boolean; queries: number; errors: number; loops: Array<Promise<void>> }
  | undefined;

function makePool(settings: FleetSettings): ConnectionPool<'main', pg.Client> {
  return new ConnectionPool<'main', pg.Client>(new PgConnectionManager({ main: settings.client }), {
    ...settings.pool,
    ...(settings.budget === undefined ? {} : { budget: new PgFleetBudget(settings.budget) }),
  });
}

/** Stops the load, gives the held connections back and closes the pool. */
async function closePool(): Promise<void> {
  if (load !== undefined) await run({ op: 'stop' });
  await run({ op: 'free' });
  await pool?.close();
  pool = undefined;
}

function current(): ConnectionPool<'main', pg.Client> {
  if (pool === undefined) throw new Error('no pool: send { op: "pool" } first');
  return pool;
}

function wire(error: unknown): WireError {
  const { name, message, code, cause } = error as Error & { code?: string };
  return { name, message, code, ...(cause === undefined ? {} : { cause: wire(cause) }) };
}

/** Acquires, runs a query of `holdMs`, releases, again, until stopped; an error pauses 20 ms. */
async function loop(state: NonNullable<typeof load>, holdMs: number): Promise<void> {
  while (!state.stop) {
    try {
      await current().connection('main', (client) =>
        client.query('SELECT pg_sleep($1)', [holdMs / 1000]),
      );
      state.queries++;
    } catch {
      state.errors++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function run(command: Command): Promise<Reply> {
  switch (command.op) {
    case 'pool':
      await closePool();
      pool = makePool(command.settings);
      idleExpiredAt = null;
      pool.on('dispose', ({ reason }) => {
        if (reason === 'idle') idleExpiredAt ??= Date.now();
      });
      return { op: 'pool' };
    case 'hold': {
      const results = await Promise.allSettled(
        Array.from({ length: command.count }, () =>
          current().acquire('main', { timeout: command.timeout }),
        ),
      );
      const errors: WireError[] = [];
      for (const result of results) {
        if (result.status === 'fulfilled') held.push(result.value);
        else errors.push(wire(result.reason));
      }
      return { op: 'hold', held: held.length, errors };
    }
    case 'free':
      await Promise.all(held.splice(0).map((client) => pool?.release(client)));
      return { op: 'free' };
    case 'load': {
      const state = { stop: false, queries: 0, errors: 0, loops: [] as Array<Promise<void>> };
      load = state;
      for (let i = 0; i < command.clients; i++) state.loops.push(loop(state, command.holdMs));
      return { op: 'load' };
    }
    case 'stop': {
      const state = load;
      if (state === undefined) return { op: 'stop', queries: 0, errors: 0 };
      state.stop = true;
      await Promise.all(state.loops);
      load = undefined;
      return { op: 'stop', queries: state.queries, errors: state.errors };
    }
    case 'stats': {
      const { size, idle, waiting } = current().stats();
      return { op: 'stats', size, idle, waiting, idleExpiredAt };
    }
    case 'close':
      await closePool();
      return { op: 'close' };
  }
}

process.on('message', ({ id, command }: { id: number; command: Command }) => {
  run(command).then(
    (reply) => process.send?.({ id, reply }),
    (error: unknown) => process.send?.({ id, reply: { op: 'failed', error: wire(error) } }),
  );
});
// The parent is gone (it exited, or was killed): so is this process, whatever it holds.
process.on('disconnect', () => process.exit());
process.send?.({ id: 0, reply: { op: 'ready' } });
