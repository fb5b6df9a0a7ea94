/**
 * An in-memory {@link ConnectionBudget} for tests: deterministic, synchronous, shareable by several
 * pools in one process (each pool plays one process of a fleet). Its cases are set by hand: slots
 * held by others (`holdOthers`), an engine that cannot be reached (`unavailable`), a slot lost
 * (`lose`). It records every claim and release.
 */
import type { BudgetClaimContext, ConnectionBudget } from '../index.ts';

/**
 * Options of {@link MemoryBudget}.
 *
 * @example
 * new MemoryBudget({ limit: { master: 2, replica: 4 }, pollInterval: 100 });
 */
export interface MemoryBudgetOptions<E> {
  /** Slots per endpoint: one number for every endpoint, or one per endpoint key. */
  readonly limit: number | Readonly<Record<string, number>>;
  /** Milliseconds between the pool's probes while the budget is full. @default 500 */
  readonly pollInterval?: number;
  /** The key of an endpoint in `limit` and in the counts. @default String */
  readonly keyOf?: (endpoint: E) => string;
  /** Endpoints with the same scope share slots (see {@link ConnectionBudget.scope}). */
  readonly scope?: (endpoint: E) => string | number;
}

/**
 * A budget kept in memory.
 *
 * @example
 * ```ts
 * const budget = new MemoryBudget({ limit: 2 });
 * const a = new ConnectionPool(manager, { budget });
 * const b = new ConnectionPool(manager, { budget }); // a and b hold at most 2 together
 * ```
 */
export class MemoryBudget<E = string, C = unknown> implements ConnectionBudget<E, C> {
  readonly pollInterval: number | undefined;
  readonly scope: ((endpoint: E) => string | number) | undefined;
  /** When set, every claim throws it: the engine cannot be reached. */
  unavailable: unknown = undefined;
  /** Every claim, in order, with its answer (`'error'` when it threw). */
  readonly claims: Array<{ endpoint: E; connection: C; answer: boolean | 'error' }> = [];
  /** Every release, in order. */
  readonly releases: Array<{ endpoint: E; connection: C }> = [];
  readonly #limit: MemoryBudgetOptions<E>['limit'];
  readonly #keyOf: (endpoint: E) => string;
  /** The slots held, by scope: the connections of pools, and a count held by others. */
  readonly #slots = new Map<string, { connections: Map<C, BudgetClaimContext>; others: number }>();

  constructor(options: MemoryBudgetOptions<E>) {
    this.#limit = options.limit;
    this.pollInterval = options.pollInterval;
    this.scope = options.scope;
    this.#keyOf = options.keyOf ?? String;
  }

  /** @throws RangeError for an endpoint missing from an object `limit`. */
  limit(endpoint: E): number {
    const limit = this.#limit;
    if (typeof limit === 'number') return limit;
    const value = limit[this.#keyOf(endpoint)];
    if (value === undefined) {
      throw new RangeError(`MemoryBudget has no limit for endpoint ${this.#keyOf(endpoint)}`);
    }
    return value;
  }

  claim(endpoint: E, connection: C, context: BudgetClaimContext): boolean {
    if (this.unavailable !== undefined) {
      this.claims.push({ endpoint, connection, answer: 'error' });
      throw this.unavailable;
    }
    const slots = this.#slotsOf(endpoint);
    const answer = this.held(endpoint) < this.limit(endpoint);
    if (answer) slots.connections.set(connection, context);
    this.claims.push({ endpoint, connection, answer });
    return answer;
  }

  release(endpoint: E, connection: C): void {
    this.releases.push({ endpoint, connection });
    this.#slotsOf(endpoint).connections.delete(connection);
  }

  /** Slots held at `endpoint`'s scope: by pools, and by others. */
  held(endpoint: E): number {
    const slots = this.#slotsOf(endpoint);
    return slots.connections.size + slots.others;
  }

  /** Sets how many slots of `endpoint`'s scope others (processes without a pool here) hold. */
  holdOthers(endpoint: E, count: number): void {
    this.#slotsOf(endpoint).others = count;
  }

  /** The slot of `connection` is lost: its pool is told (`context.lost()`), and the slot freed. */
  lose(endpoint: E, connection: C): void {
    const slots = this.#slotsOf(endpoint);
    const context = slots.connections.get(connection);
    slots.connections.delete(connection);
    context?.lost();
  }

  #slotsOf(endpoint: E): { connections: Map<C, BudgetClaimContext>; others: number } {
    const key = String(this.scope?.(endpoint) ?? this.#keyOf(endpoint));
    let slots = this.#slots.get(key);
    if (slots === undefined) {
      slots = { connections: new Map(), others: 0 };
      this.#slots.set(key, slots);
    }
    return slots;
  }
}
