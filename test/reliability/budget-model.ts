/**
 * The connection budget in the model-based test (SPEC §9): a `MemoryBudget` that the run's pool
 * shares with "other processes" (slots held by hand), whose slots the test may lose and whose
 * engine it may take down, and what the model knows of it from outside: which connections hold a
 * slot, when a claim was refused, and when room may have come back.
 *
 * Portable: imports only project files.
 */
import { MemoryBudget } from '../../src/testing/index.ts';
import { alias, type Conn, canon, ENDPOINTS, type Endpoint, InjectedError } from './pool-model.ts';

/** The budget a run uses: `limit` slots per scope, every endpoint its own scope unless `shared`. */
export interface BudgetConfig {
  limit: number;
  shared: boolean;
  pollInterval: number;
}

/** A moment in the run: `seq` orders moments of one fake millisecond `t`. */
interface Instant {
  seq: number;
  t: number;
}

/** A `MemoryBudget` that notes, on the fake clock, when claims were refused and slots came back. */
class WatchedBudget extends MemoryBudget<unknown, Conn> {
  /** Per endpoint, when its last claim was refused (undefined once one succeeded since). */
  readonly refusedAt = new Map<Endpoint, Instant>();
  /** Per endpoint, whether its last claim threw (the engine was down) rather than answered. */
  readonly failedLast = new Set<Endpoint>();
  /** Per scope, when room may have come back: a slot released or lost, others fewer. */
  readonly roomAt = new Map<string, Instant[]>();
  #seq = 0;
  /** Called with the endpoint of each refused claim. */
  onRefused: ((endpoint: Endpoint) => void) | undefined = undefined;
  readonly #scopeOf: (endpoint: Endpoint) => string;

  constructor(config: BudgetConfig, scopeOf: (endpoint: Endpoint) => string) {
    super({
      limit: config.limit,
      pollInterval: config.pollInterval,
      keyOf: (endpoint) => canon(endpoint) ?? String(endpoint),
      ...(config.shared ? { scope: () => 'shared' } : {}),
    });
    this.#scopeOf = scopeOf;
  }

  override claim(...args: Parameters<MemoryBudget<unknown, Conn>['claim']>): boolean {
    const endpoint = args[1].endpoint;
    let answer: boolean;
    try {
      answer = super.claim(...args);
    } catch (error) {
      // A probe of a full budget whose engine is down: the pool still waits for the next poll.
      this.probeFailed(endpoint);
      this.failedLast.add(endpoint);
      throw error;
    }
    this.failedLast.delete(endpoint);
    if (answer) this.refusedAt.delete(endpoint);
    else {
      this.refusedAt.set(endpoint, this.#now());
      this.onRefused?.(endpoint);
    }
    return answer;
  }

  /** A create of `endpoint` failed: if it was a probe of a full budget, the next poll probes. */
  probeFailed(endpoint: Endpoint): void {
    if (this.refusedAt.has(endpoint)) this.refusedAt.set(endpoint, this.#now());
  }

  override release(endpoint: unknown, connection: Conn): void {
    super.release(endpoint, connection);
    this.room(connection.endpoint);
  }

  /** Room may have come back in the scope of `endpoint`, now. */
  room(endpoint: Endpoint): void {
    const scope = this.#scopeOf(endpoint);
    const times = this.roomAt.get(scope) ?? [];
    times.push(this.#now());
    this.roomAt.set(scope, times);
  }

  #now(): Instant {
    return { seq: ++this.#seq, t: performance.now() };
  }
}

export class BudgetModel {
  readonly config: BudgetConfig;
  readonly budget: WatchedBudget;
  /** Connections whose slot the test lost: the pool retires them. */
  readonly lost = new Set<Conn>();
  /** Per scope, the slots other processes hold. */
  readonly #others = new Map<string, number>();

  constructor(config: BudgetConfig) {
    this.config = config;
    this.budget = new WatchedBudget(config, (e) => this.scopeOf(e));
  }

  scopeOf(endpoint: Endpoint): string {
    return this.config.shared ? 'shared' : endpoint;
  }

  /** The endpoints that draw on the slots of `endpoint`'s scope. */
  scopeMates(endpoint: Endpoint): Endpoint[] {
    return ENDPOINTS.filter((e) => this.scopeOf(e) === this.scopeOf(endpoint));
  }

  /** The connections holding a slot of `endpoint`'s scope (by the budget's record). */
  holders(endpoint: Endpoint): Set<Conn> {
    const scope = this.scopeOf(endpoint);
    const set = new Set<Conn>();
    for (const { connection, answer } of this.budget.claims)
      if (answer === true && this.scopeOf(connection.endpoint) === scope) set.add(connection);
    for (const { connection } of this.budget.releases) set.delete(connection);
    for (const connection of this.lost) set.delete(connection);
    return set;
  }

  /** Connections the budget refused (or could not claim for): the pool disposed them at once. */
  get refused(): number {
    return this.budget.claims.filter((c) => c.answer !== true).length;
  }

  /** Other processes now hold `count` slots of `endpoint`'s scope. */
  holdOthers(endpoint: Endpoint, count: number): void {
    const scope = this.scopeOf(endpoint);
    if (count < (this.#others.get(scope) ?? 0)) this.budget.room(endpoint);
    this.#others.set(scope, count);
    this.budget.holdOthers(alias(endpoint), count);
  }

  /** The slot of `conn` is lost. */
  lose(conn: Conn): void {
    this.lost.add(conn);
    this.budget.lose(alias(conn.endpoint), conn);
    this.budget.room(conn.endpoint);
  }

  /** The engine goes down (claims throw an InjectedError, as a create's would) or comes back. */
  setDown(down: boolean): void {
    this.budget.unavailable = down ? new InjectedError('create') : undefined;
  }

  /**
   * Whether the budget's last answer to `endpoint` was "full": then the pool has evicted its own
   * idle connections of the scope for it (not when the engine was down: the slot would not help).
   */
  refusedLast(endpoint: Endpoint): boolean {
    return this.budget.refusedAt.has(endpoint) && !this.budget.failedLast.has(endpoint);
  }

  /**
   * Whether acquirers of `endpoint` may wait at `t` for budget (README: like for total capacity):
   * its last claim was refused, and if room came back since, at most one jittered poll ago.
   */
  mayWait(endpoint: Endpoint, t: number): boolean {
    const refused = this.budget.refusedAt.get(endpoint);
    if (refused === undefined) return false;
    const rooms = this.budget.roomAt.get(this.scopeOf(endpoint)) ?? [];
    const room = rooms.find((r) => r.seq > refused.seq);
    return room === undefined || t <= room.t + this.config.pollInterval * 1.5 + 1;
  }
}
