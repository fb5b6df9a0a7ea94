/** Scenario 1: acquire and release an idle connection of one endpoint, one after the other. */
import { compare } from '../harness.ts';
import { ClockedFloor, Floor, peers } from '../pools.ts';
import { atMostFloor, rowsOf, slowerThanOurs } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

const MAX = 10;
const MIN = 1;

export const sequential: Scenario = {
  name: 'sequential',
  title: `sequential acquire + release of an idle connection, one endpoint (max ${MAX})`,
  async run(settings) {
    const { ours: pool, genericPool: gp, tarn: tp, close } = peers(MAX, MIN);
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
      ],
      planFor(settings, { ops: 100_000, rounds: 15, warmup: 3 }),
    );
    await close();
    return rowsOf(samples, {
      unit: 'ops/s',
      floor: 'floor',
      targets: {
        ours: atMostFloor(1.5),
        'generic-pool': slowerThanOurs(2.5),
        tarn: slowerThanOurs(7),
      },
      notes: { 'floor+clock': ClockedFloor.note },
    });
  },
};
