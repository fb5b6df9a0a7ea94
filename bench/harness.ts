/**
 * A small benchmark harness. Contenders run in the same process in alternating rounds (A, B, C, A,
 * B, C, ...), so a slow spell of a noisy machine hits all of them alike; each round is timed on its
 * own and the medians are reported. Ratios are the median of the per-round ratios of neighbouring
 * rounds, which cancels drift better than a ratio of medians.
 */

/**
 * One thing being measured: `run(ops)` performs `ops` operations and resolves with nothing (the
 * harness times the round) or with the nanoseconds per operation it measured itself.
 */
export interface Contender {
  readonly name: string;
  run(ops: number): Promise<unknown>;
}

/** How long to measure. */
export interface Plan {
  /** Operations per round. */
  readonly ops: number;
  /** Measured rounds per contender. */
  readonly rounds: number;
  /** Unmeasured rounds per contender first, to let the JIT settle. */
  readonly warmup: number;
}

/** Nanoseconds per operation of each round, by contender name. */
export type Samples = Map<string, number[]>;

const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc;

/**
 * Collects garbage if the process runs with `--expose-gc`. A `'minor'` collection (of the young
 * generation) runs between timed rounds, so one round's garbage is not billed to the next: a full
 * one there would distort what it separates (it made hand-off latency 5 to 10 times slower in the
 * rounds after it). The memory scenario needs the full (`'major'`) one.
 */
export function collectGarbage(type: 'major' | 'minor' = 'major'): void {
  // Not gc({ type: 'major' }): unlike a bare gc() it leaves garbage behind.
  if (type === 'minor') gc?.({ type });
  else gc?.();
}

/** Whether `collectGarbage` really collects. */
export const gcExposed = gc !== undefined;

/** Runs `contenders` in alternating rounds and returns each round's nanoseconds per operation. */
export async function compare(contenders: readonly Contender[], plan: Plan): Promise<Samples> {
  const samples: Samples = new Map(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    for (const contender of contenders) {
      collectGarbage('minor');
      const started = performance.now();
      const own = await contender.run(plan.ops);
      const ns = typeof own === 'number' ? own : ((performance.now() - started) * 1e6) / plan.ops;
      if (round >= plan.warmup) samples.get(contender.name)?.push(ns);
    }
  }
  return samples;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median over rounds of `a[i] / b[i]`: how many times `a`'s cost is `b`'s. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a[i]! / b[i]!);
  return median(ratios);
}

/** A seeded pseudo-random generator (mulberry32): the same seed gives every contender the same sequence. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
