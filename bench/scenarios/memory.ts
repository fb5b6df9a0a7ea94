/**
 * Scenario 5: heap bytes per idle connection held by a pool, beyond the connection object itself.
 * The connection objects are made before the first measurement and kept alive by the benchmark, so
 * only the pool's own bookkeeping counts. The representative case, comparable with generic-pool and
 * tarn, is one endpoint with maxSize = N; ours is also shown with N endpoints of one connection each
 * (the keyed worst case: every endpoint's own state is billed to its single connection).
 */

import { collectGarbage, compare, gcExposed } from '../harness.ts';
import { type Conn, closeGenericPool, genericPoolOf, newConn, ours, tarnOf } from '../pools.ts';
import { rowsOf, type Target } from '../report.ts';
import type { Scenario } from '../scenario.ts';

const LIMIT = 250;

/** Hands out the pre-made connections one by one. */
function supplier(connections: readonly Conn[]): () => Conn {
  let next = 0;
  return () => connections[next++]!;
}

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Makes `n` connections, measures the heap, has `fill` put them all idle into a fresh pool,
 * measures again, then lets `close` shut the pool.
 * @returns heap bytes per idle connection.
 */
async function bytesPerConnection(
  n: number,
  fill: (create: () => Conn, n: number) => Promise<() => Promise<unknown>>,
): Promise<number> {
  const connections = Array.from({ length: n }, newConn);
  const before = heapUsed();
  const close = await fill(supplier(connections), n);
  const after = heapUsed();
  await close();
  connections.length = 0;
  return (after - before) / n;
}

/**
 * Acquires `n` connections one after the other, holding them, then releases them all: the pool
 * ends with `n` idle ones. (One after the other: tarn's memory grows quadratically with
 * concurrent acquires, which is not what this scenario measures.)
 */
async function acquireEachThenRelease<T>(
  n: number,
  acquire: (i: number) => Promise<T>,
  release: (connection: T) => unknown,
): Promise<void> {
  const held: T[] = [];
  for (let i = 0; i < n; i++) held.push(await acquire(i));
  for (const connection of held) await release(connection);
}

const withinLimit: Target = {
  text: `<= ${LIMIT} B/conn`,
  met: ({ value }) => value <= LIMIT,
};

export const memory: Scenario = {
  name: 'memory',
  title: 'heap bytes per idle connection held, beyond the connection object itself',
  async run(settings) {
    if (!gcExposed) {
      console.log('skipped: run with node --expose-gc (npm run bench does)');
      return [];
    }
    const n = settings.quick ? 10_000 : 100_000;
    const endpoints = Array.from({ length: n }, (_, i) => `db-${i}`);
    const samples = await compare(
      [
        {
          name: 'ours',
          run: () =>
            bytesPerConnection(n, async (create) => {
              const pool = ours({ maxSize: n, totalMaxSize: n }, create);
              await acquireEachThenRelease(
                n,
                () => pool.acquire('db'),
                (c) => pool.release(c),
              );
              return () => pool.close();
            }),
        },
        {
          name: `ours, ${n.toLocaleString('en-US')} endpoints`,
          run: () =>
            bytesPerConnection(n, async (create) => {
              const pool = ours({ maxSize: 1, totalMaxSize: n }, create);
              await acquireEachThenRelease(
                n,
                (i) => pool.acquire(endpoints[i]!),
                (c) => pool.release(c),
              );
              return () => pool.close();
            }),
        },
        {
          name: 'floor',
          run: () =>
            bytesPerConnection(n, async (create) => {
              const stack: Conn[] = [];
              for (let i = 0; i < n; i++) stack.push(create());
              return async () => stack.length;
            }),
        },
        {
          name: 'generic-pool',
          run: () =>
            bytesPerConnection(n, async (create) => {
              const pool = genericPoolOf(n, 0, create);
              await acquireEachThenRelease(
                n,
                () => pool.acquire(),
                (c) => pool.release(c),
              );
              return () => closeGenericPool(pool);
            }),
        },
        {
          name: 'tarn',
          run: () =>
            bytesPerConnection(n, async (create) => {
              const pool = tarnOf(n, 0, create);
              await acquireEachThenRelease(
                n,
                () => pool.acquire().promise,
                (c) => pool.release(c),
              );
              return () => pool.destroy();
            }),
        },
      ],
      { ops: n, rounds: settings.quick ? 1 : 3, warmup: 1 },
    );
    return rowsOf(samples, {
      unit: 'B/conn',
      floor: 'floor',
      targets: { ours: withinLimit },
      notes: {
        ours: `one endpoint, maxSize ${n}: the representative case`,
        floor: 'an array holding the connections: one pointer each',
      },
    });
  },
};
