/**
 * Helpers for tests of re-entrant callbacks (SPEC §7, "Re-entrancy"): run code at every manager
 * hook call and every pool event, bound how deep callbacks may call back, and check the pool's
 * invariants at each of those instants.
 * Portable: imports only project files.
 */
import type { ConnectionPool } from '../../src/index.ts';
import type { MockConnection, MockConnectionManager, MockHook } from '../../src/testing/index.ts';
import { EVENTS, type Limits, watchLimits } from './pool.ts';

/** A pool event name (`create`, `dispose`, …). */
export type PoolEventName = (typeof EVENTS)[number];

/** The hooks of a connection manager, in the order of a connection's life. */
export const HOOKS: readonly MockHook[] = [
  'create',
  'checkAliveness',
  'onAcquire',
  'onRelease',
  'onConnectionDead',
  'dispose',
];

/** Calls `listener` with the name and payload of every event `pool` emits. */
export function onEveryEvent(
  pool: ConnectionPool<any, any>,
  listener: (event: PoolEventName, payload: Record<string, unknown>) => void,
): void {
  for (const event of EVENTS) {
    pool.on(event, (payload: unknown) => listener(event, payload as Record<string, unknown>));
  }
}

/**
 * Bounds callbacks that call back into the pool: `run` calls `fn` unless `maxDepth` runs are
 * already on the stack or `maxRuns` have run in all, so that a listener that acquires inside the
 * `acquire` event cannot recurse forever.
 *
 * @example
 * const budget = new ReentryBudget(2, 50);
 * pool.on('acquire', () => budget.run(() => pool.acquire('a')));
 */
export class ReentryBudget {
  readonly #maxDepth: number;
  readonly #maxRuns: number;
  #depth = 0;
  /** How many times `run` called its function. */
  runs = 0;

  constructor(maxDepth: number, maxRuns: number) {
    this.#maxDepth = maxDepth;
    this.#maxRuns = maxRuns;
  }

  /** Whether a run now would be refused. */
  get exhausted(): boolean {
    return this.#depth >= this.#maxDepth || this.runs >= this.#maxRuns;
  }

  /** Runs `fn` if the budget allows; returns whether it ran. */
  run(fn: () => void): boolean {
    if (this.exhausted) return false;
    this.#depth++;
    this.runs++;
    try {
      fn();
    } finally {
      this.#depth--;
    }
    return true;
  }
}

/**
 * `watchLimits` (rule 3 at every manager call and event) plus, at the same instants: no `create`
 * starts once the pool is closed (rule 12), and `stats()` agrees with `size` (rule 13). Returns the
 * list of violations, empty while every instant was right.
 */
export function watchInstants<E>(
  pool: ConnectionPool<E, MockConnection<E>>,
  mock: MockConnectionManager<E>,
  endpoints: readonly E[],
  limits: Limits,
): string[] {
  const violations = watchLimits(pool, mock, endpoints, limits);
  const check = (where: string): void => {
    const stats = pool.stats();
    if (stats.size !== pool.size)
      violations.push(`${where}: stats().size ${stats.size}, size ${pool.size}`);
    const parts = stats.idle + stats.acquired + stats.creating;
    if (parts !== stats.size)
      violations.push(`${where}: stats() idle + acquired + creating ${parts}, size ${stats.size}`);
  };
  const create = mock.create.bind(mock);
  mock.create = (endpoint, context) => {
    if (pool.closed) violations.push(`create of ${String(endpoint)} started after close`);
    check('create call');
    return create(endpoint, context);
  };
  onEveryEvent(pool, (event) => check(`${event} event`));
  return violations;
}
