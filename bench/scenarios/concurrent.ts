/**
 * Scenario 2: 100 workers share one endpoint of maxSize 10; each acquires, yields once, releases.
 * Each pool bare, and with the per-use hooks of a real driver (`validatingPeers`).
 */
import { compare } from '../harness.ts';
import {
  ClockedFloor,
  Floor,
  peers,
  VALIDATING,
  validatingNotes,
  validatingPeers,
  validatingReferences,
} from '../pools.ts';
import { rowsOf, slowerThanOurs } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

const WORKERS = 100;
const MAX = 10;
const MIN = 1;

/** Runs `ops` operations spread over `WORKERS` concurrent workers. */
function workers(ops: number, work: (n: number) => Promise<void>): Promise<unknown> {
  const each = Math.ceil(ops / WORKERS);
  return Promise.all(Array.from({ length: WORKERS }, () => work(each)));
}

export const concurrent: Scenario = {
  name: 'concurrent',
  title: `${WORKERS} concurrent workers over maxSize ${MAX}: acquire, yield once, release`,
  async run(settings) {
    const { ours: pool, genericPool: gp, tarn: tp, close } = peers(MAX, MIN);
    const hooked = validatingPeers(MAX, MIN);
    const { ours: hookedPool, genericPool: hookedGp, tarn: hookedTp } = hooked;
    const floor = new Floor();
    const clocked = new ClockedFloor();
    const samples = await compare(
      [
        {
          name: 'ours',
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await pool.acquire('db');
                await null;
                await pool.release(c);
              }
            }),
        },
        {
          name: 'floor',
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await floor.acquire();
                await null;
                await floor.release(c);
              }
            }),
        },
        {
          name: 'floor+clock',
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await clocked.acquire();
                await null;
                await clocked.release(c);
              }
            }),
        },
        {
          name: 'generic-pool',
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await gp.acquire();
                await null;
                await gp.release(c);
              }
            }),
        },
        {
          name: 'tarn',
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await tp.acquire().promise;
                await null;
                tp.release(c);
              }
            }),
        },
        {
          name: VALIDATING.ours,
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await hookedPool.acquire('db');
                await null;
                await hookedPool.release(c);
              }
            }),
        },
        {
          name: VALIDATING.genericPool,
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await hookedGp.acquire();
                await null;
                await hookedGp.release(c);
              }
            }),
        },
        {
          name: VALIDATING.tarn,
          run: (ops) =>
            workers(ops, async (n) => {
              for (let i = 0; i < n; i++) {
                const c = await hookedTp.acquire().promise;
                await null;
                hookedTp.release(c);
              }
            }),
        },
      ],
      planFor(settings, { ops: 50_000, rounds: 15, warmup: 3 }),
    );
    await Promise.all([close(), hooked.close()]);
    return rowsOf(samples, {
      unit: 'ops/s',
      floor: 'floor',
      against: validatingReferences,
      targets: { 'generic-pool': slowerThanOurs(2), tarn: slowerThanOurs(2) },
      notes: {
        floor: `no limit: up to ${WORKERS} connections where the pools hold ${MAX}`,
        'floor+clock': ClockedFloor.note,
        ...validatingNotes,
      },
    });
  },
};
