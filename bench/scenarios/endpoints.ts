/**
 * Scenario 3: many endpoints. Sequential acquire + release on endpoints picked at random (seeded),
 * with twice as many endpoints as the total limit, so once the pool is full most acquires evict
 * another endpoint's idle connection. Run at two sizes to show how the cost per operation grows.
 */
import type * as genericPool from 'generic-pool';
import { compare, prng } from '../harness.ts';
import { type Conn, closeGenericPool, genericPoolOf, ours } from '../pools.ts';
import type { Target } from '../report.ts';
import { rowsOf } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

/** Endpoint names and a seeded random sequence of indexes into them, the same for every contender. */
function workload(count: number, length: number): { names: string[]; picks: Uint32Array } {
  const names = Array.from({ length: count }, (_, i) => `db-${i}.internal:5432`);
  const random = prng(count);
  const picks = new Uint32Array(length);
  for (let i = 0; i < length; i++) picks[i] = Math.floor(random() * count);
  return { names, picks };
}

/** What users do today for many endpoints: a Map from endpoint to a generic-pool pool. */
class MapOfGenericPools {
  readonly pools = new Map<string, genericPool.Pool<Conn>>();

  pool(endpoint: string): genericPool.Pool<Conn> {
    let pool = this.pools.get(endpoint);
    if (pool === undefined) {
      pool = genericPoolOf(MAX, 0);
      this.pools.set(endpoint, pool);
    }
    return pool;
  }
}

const MAX = 10;
const RATIO_LIMIT = 1.5;

export const endpoints: Scenario = {
  name: 'endpoints',
  title:
    'random endpoints, twice as many as totalMaxSize: most acquires evict (10,000 under 5,000 vs 100 under 50)',
  async run(settings) {
    const big = settings.quick ? 1_000 : 10_000;
    const small = 100;
    const plan = planFor(settings, { ops: 50_000, rounds: 15, warmup: 3 });
    const large = workload(big, plan.ops);
    const few = workload(small, plan.ops);
    const poolLarge = ours({ maxSize: MAX, totalMaxSize: big / 2 });
    const poolSmall = ours({ maxSize: MAX, totalMaxSize: small / 2 });
    const map = new MapOfGenericPools();
    const bigName = `ours@${big.toLocaleString('en-US')}`;
    const smallName = `ours@${small}`;
    const mapName = `Map of generic-pool@${big.toLocaleString('en-US')}`;
    const samples = await compare(
      [
        {
          name: bigName,
          async run(ops) {
            const { names, picks } = large;
            for (let i = 0; i < ops; i++) {
              await poolLarge.release(await poolLarge.acquire(names[picks[i]!]!));
            }
          },
        },
        {
          name: smallName,
          async run(ops) {
            const { names, picks } = few;
            for (let i = 0; i < ops; i++) {
              await poolSmall.release(await poolSmall.acquire(names[picks[i]!]!));
            }
          },
        },
        {
          name: mapName,
          async run(ops) {
            const { names, picks } = large;
            for (let i = 0; i < ops; i++) {
              const pool = map.pool(names[picks[i]!]!);
              await pool.release(await pool.acquire());
            }
          },
        },
      ],
      plan,
    );
    const sizes = `${poolLarge.size} connections held at the end`;
    const held = [...map.pools.values()].reduce((sum, pool) => sum + pool.size, 0);
    await Promise.all([
      poolLarge.close(),
      poolSmall.close(),
      ...[...map.pools.values()].map(closeGenericPool),
    ]);
    const growth: Target = {
      text: `<= ${RATIO_LIMIT}x ${smallName}`,
      met: ({ vsOurs }) => vsOurs !== null && vsOurs <= RATIO_LIMIT,
    };
    return rowsOf(samples, {
      unit: 'ns/op',
      ours: smallName,
      targets: { [bigName]: growth },
      notes: {
        [bigName]: `totalMaxSize ${big / 2}, maxSize ${MAX}; ${sizes}`,
        [smallName]: `totalMaxSize ${small / 2}, maxSize ${MAX}: the reference of this scenario`,
        [mapName]: `cannot enforce a total limit: it held ${held} connections at the end, one per endpoint used`,
      },
    });
  },
};
