/**
 * Scenario 1: acquire and release an idle connection of one endpoint, one after the other; each
 * pool bare, and with the per-use hooks of a real driver (`validatingPeers`).
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
import { atMostOf, atMostOurs, rowsOf, slowerThanOurs } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

const MAX = 10;
const MIN = 1;

export const sequential: Scenario = {
  name: 'sequential',
  title: `sequential acquire + release of an idle connection, one endpoint (max ${MAX})`,
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
          async run(ops) {
            for (let i = 0; i < ops; i++) await pool.release(await pool.acquire('db'));
          },
        },
        {
          name: 'floor',
          async run(ops) {
            for (let i = 0; i < ops; i++) await floor.release(await floor.acquire());
          },
        },
        {
          name: 'floor+clock',
          async run(ops) {
            for (let i = 0; i < ops; i++) await clocked.release(await clocked.acquire());
          },
        },
        {
          name: 'generic-pool',
          async run(ops) {
            for (let i = 0; i < ops; i++) await gp.release(await gp.acquire());
          },
        },
        {
          name: 'tarn',
          async run(ops) {
            for (let i = 0; i < ops; i++) tp.release(await tp.acquire().promise);
          },
        },
        {
          name: VALIDATING.ours,
          async run(ops) {
            for (let i = 0; i < ops; i++) await hookedPool.release(await hookedPool.acquire('db'));
          },
        },
        {
          name: VALIDATING.genericPool,
          async run(ops) {
            for (let i = 0; i < ops; i++) await hookedGp.release(await hookedGp.acquire());
          },
        },
        {
          name: VALIDATING.tarn,
          async run(ops) {
            for (let i = 0; i < ops; i++) hookedTp.release(await hookedTp.acquire().promise);
          },
        },
      ],
      planFor(settings, { ops: 100_000, rounds: 15, warmup: 3 }),
    );
    await Promise.all([close(), hooked.close()]);
    return rowsOf(samples, {
      unit: 'ops/s',
      floor: 'floor',
      against: validatingReferences,
      targets: {
        ours: atMostOf('floor+clock', 1.25),
        'generic-pool': slowerThanOurs(2.5),
        tarn: slowerThanOurs(7),
        [VALIDATING.ours]: atMostOurs(2.5),
        [VALIDATING.genericPool]: slowerThanOurs(2.5),
      },
      notes: { 'floor+clock': ClockedFloor.note, ...validatingNotes },
    });
  },
};
