/**
 * Room for connections: the per-endpoint and total limits (rule 3), eviction across endpoints
 * (rule 4) and `maintainMinIdle` refills. Every create starts here, and only where the limits
 * allow it at that instant: the decision and the count (`Ledger.createStarted`) are one step, with
 * no user code between them (the manager's `create` runs later, through the outbox).
 *
 * How it works:
 * - An endpoint's waiters that no create in flight will serve are *uncovered*. While an endpoint
 *   has an uncovered waiter and room under `maxSize` but the pool is at `totalMaxSize`, it is
 *   *blocked*: it sits in a heap ordered by the arrival of its first uncovered waiter, so room
 *   freed anywhere goes to the endpoint that waited longest (rule 5 across endpoints).
 * - Room for a waiter at a full pool is made by evicting the idle connection best to lose (extra
 *   before persistent, soonest expiry first), unless others are blocked already (they go first).
 * - With `maintainMinIdle`, an endpoint below `minIdle` is refilled from free room only, never by
 *   evicting; one that finds no room is *starved* and gets the next room freed, after the blocked.
 * - After failed creates an endpoint creates one connection at a time (a probe) until one works.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import type { ResolvedOptions } from '../options.ts';
import type { BudgetWaits } from './budget-waits.ts';
import type { ConnectionRecord } from './connection-record.ts';
import type { Creator } from './creator.ts';
import type { ExpiryCollector } from './expiry-collector.ts';
import { IndexedHeap } from './indexed-heap.ts';
import type { Ledger } from './ledger.ts';
import { RESOLVED } from './resolved.ts';
import { now } from './timers.ts';

/** One create in flight, as the pool follows it. */
export interface PendingCreate<E, C> {
  readonly ep: EndpointPool<E, C>;
  readonly endpoint: E;
  readonly startedAt: number;
  /** Its create sequence number, which the backoff compares with `ep.failedMark`. */
  readonly seq: number;
  /** Called once with its outcome (for `prewarm`). */
  readonly done: ((failed: boolean, error: unknown) => void) | undefined;
}

/** Endpoints in the heap always have an uncovered waiter. */
type Blocked = { waiters: { firstUncovered: { seq: number } | null } };
const byFirstWaiter = (a: Blocked, b: Blocked): boolean =>
  (a.waiters.firstUncovered?.seq ?? 0) < (b.waiters.firstUncovered?.seq ?? 0);

/** The options capacity reads. */
export type CapacityOptions = Pick<
  ResolvedOptions<unknown>,
  'maxSize' | 'totalMaxSize' | 'minIdle' | 'maintainMinIdle' | 'budget'
>;

export class Capacity<E, C> {
  readonly #options: CapacityOptions;
  readonly #ledger: Ledger<E, C>;
  readonly #expiry: ExpiryCollector<E, C>;
  readonly #evictOne: (victim: ConnectionRecord<E, C>) => void;
  readonly #budgetWaits: BudgetWaits<E, C> | null;
  #creator: Creator<E, C, PendingCreate<E, C>> | undefined = undefined;
  /** Endpoints waiting for total capacity, by arrival of their first uncovered waiter. */
  readonly #blocked = new IndexedHeap<EndpointPool<E, C>>(byFirstWaiter);
  /** With `maintainMinIdle`: endpoints below `minIdle` for want of total capacity, oldest first. */
  readonly #starved = new Set<EndpointPool<E, C>>();
  #createSeq = 0;
  /** Set by `close()`: nothing is created from then on. */
  closed = false;

  /**
   * @param evictOne disposes the idle `victim` (reason `'evicted'`) without handing on its room:
   *   the caller that evicts takes it.
   * @param budgetWaits with a budget: the endpoints waiting for it, which refills yield to.
   */
  constructor(
    options: CapacityOptions,
    ledger: Ledger<E, C>,
    expiry: ExpiryCollector<E, C>,
    evictOne: (victim: ConnectionRecord<E, C>) => void,
    budgetWaits: BudgetWaits<E, C> | null,
  ) {
    this.#options = options;
    this.#ledger = ledger;
    this.#expiry = expiry;
    this.#evictOne = evictOne;
    this.#budgetWaits = budgetWaits;
  }

  /** Wires the creator, which is made after capacity (it reports back to the pool). */
  attach(creator: Creator<E, C, PendingCreate<E, C>>): void {
    this.#creator = creator;
  }

  /** The sequence number the next create gets (for the backoff's marks). */
  get nextCreateSeq(): number {
    return this.#createSeq;
  }

  /** Whether endpoints wait for total capacity. */
  get anyBlocked(): boolean {
    return this.#blocked.length > 0;
  }

  /**
   * After a failed create, once its wait is over, an endpoint creates one connection at a time
   * (a probe) until one succeeds. With a connection budget, any create may be refused a slot, so an
   * endpoint creates one at a time (at most one connection beyond the budget exists for a moment,
   * per process and endpoint); while the budget is full, only when a probe is due (woken by the
   * budget's poll or watch, or by a slot of its own given back).
   */
  mayCreate(ep: EndpointPool<E, C>): boolean {
    if (this.#options.budget !== undefined) {
      return ep.creating === 0 && (!ep.budgetFull || ep.probeDue);
    }
    return ep.failures === 0 || ep.creating === 0;
  }

  /** Whether a connection for `ep` could be created right now without waiting behind anyone. */
  canCreateNow(ep: EndpointPool<E, C>): boolean {
    if (ep.waiters.firstUncovered !== null || ep.size >= this.#options.maxSize) return false;
    if (!this.mayCreate(ep)) return false;
    if (this.#ledger.size < this.#options.totalMaxSize) return true;
    return this.#blocked.length === 0 && this.#ledger.idle > 0;
  }

  /**
   * Opens connections for `prewarm` until `ep` has `target` idle or being created, as far as the
   * limits allow, never evicting: all at once, or with a budget one after another. It makes no
   * more connections than were missing when it was called, even when those it made did not stay
   * idle (idleTimeout 0, taken by a waiter).
   * @returns settles when the creates it started have: rejected with the first create error.
   */
  prewarm(ep: EndpointPool<E, C>, endpoint: E, target: number): Promise<void> {
    if (this.#prewarmRoom(ep, target) <= 0) return RESOLVED;
    const budgeted = this.#options.budget !== undefined;
    let left = budgeted ? this.#room(ep, target) : this.#prewarmRoom(ep, target);
    return new Promise<void>((resolve, reject) => {
      if (budgeted) {
        const next = (failed: boolean, error: unknown): void => {
          if (failed) reject(error);
          // Forgotten: emptied, as what it made did not stay (idleTimeout 0).
          else if (--left === 0 || this.closed || ep.budgetFull || ep.forgotten) resolve();
          else if (this.#prewarmRoom(ep, target) <= 0) resolve();
          else this.startCreate(ep, endpoint, next);
        };
        this.startCreate(ep, endpoint, next);
        return;
      }
      const done = (failed: boolean, error: unknown): void => {
        if (failed) reject(error);
        else if (--left === 0) resolve();
      };
      for (let i = left; i > 0; i--) this.startCreate(ep, endpoint, done);
    });
  }

  /** How many creates `prewarm` may start for `ep` now. */
  #prewarmRoom(ep: EndpointPool<E, C>, target: number): number {
    const n = this.#room(ep, target);
    // One at a time after failed creates (a probe) and with a budget.
    const single = ep.failures > 0 || this.#options.budget !== undefined;
    return single ? Math.min(n, ep.creating === 0 ? 1 : 0) : n;
  }

  /** How many connections `ep` lacks of `target` idle or being created, within the limits. */
  #room(ep: EndpointPool<E, C>, target: number): number {
    const { maxSize, totalMaxSize } = this.#options;
    return Math.min(
      target - ep.idle - ep.creating,
      maxSize - ep.size,
      totalMaxSize - this.#ledger.size,
    );
  }

  /**
   * Starts one create for `ep`, counted at once: its connection serves the oldest waiter or
   * becomes idle. The caller has checked the limits.
   * @param done called once with its outcome (for `prewarm`).
   */
  startCreate(
    ep: EndpointPool<E, C>,
    endpoint: E = ep.waiters.firstUncovered?.endpoint ?? ep.endpoint,
    done?: (failed: boolean, error: unknown) => void,
  ): void {
    this.#ledger.createStarted(ep);
    ep.probeDue = false;
    this.update(ep);
    this.#creator?.start({ ep, endpoint, startedAt: now(), seq: this.#createSeq++, done });
  }

  /** Starts creates for `ep`'s uncovered waiters as far as the limits allow, evicting if need be. */
  pump(ep: EndpointPool<E, C>): void {
    const { maxSize, totalMaxSize } = this.#options;
    while (
      !this.closed &&
      ep.waiters.firstUncovered !== null &&
      ep.size < maxSize &&
      this.mayCreate(ep)
    ) {
      if (this.#ledger.size >= totalMaxSize) {
        // Behind endpoints already waiting for total capacity, wait in their line (unless first).
        const first = this.#blocked.peek();
        const victim = first === undefined || first === ep ? this.#expiry.victim() : undefined;
        if (victim === undefined) break;
        this.#evictOne(victim);
      }
      this.startCreate(ep);
    }
    this.update(ep);
    this.replenish(ep);
  }

  /** Keeps `ep` in the heap of endpoints waiting for total capacity exactly while it is. */
  update(ep: EndpointPool<E, C>): void {
    if (
      !this.closed &&
      ep.waiters.firstUncovered !== null &&
      ep.size < this.#options.maxSize &&
      this.mayCreate(ep)
    ) {
      if (ep.heapIndex === -1) this.#blocked.push(ep);
      else this.#blocked.update(ep);
    } else if (ep.heapIndex !== -1) {
      this.#blocked.remove(ep);
    }
  }

  /**
   * A connection became idle while endpoints wait for total capacity: it is evicted for the one
   * that waited longest (rule 4).
   */
  idleAppeared(): void {
    if (this.#blocked.length === 0) return;
    const victim = this.#expiry.victim();
    if (victim === undefined) return;
    this.#evictOne(victim);
    this.#pumpBlocked();
  }

  /**
   * Room of `ep` was freed (a connection disposed, a create failed): it goes to whoever waits
   * longest, then to `maintainMinIdle` refills.
   * @param replenish false where refilling at once could loop within one turn of the event loop:
   *   after a failed create without backoff, and for a connection its acquirer found dead.
   */
  freed(ep: EndpointPool<E, C>, replenish: boolean): void {
    this.update(ep);
    this.#pumpBlocked();
    if (!replenish) return;
    this.replenish(ep);
    // Ends: an endpoint that gets no room goes back in only when the pool is full.
    for (const starved of this.#starved) {
      if (this.#ledger.size >= this.#options.totalMaxSize) break;
      this.replenish(starved);
    }
  }

  /**
   * With `maintainMinIdle`: opens connections until `ep` has `minIdle`, from free total capacity
   * only (never evicting), and not while it backs off (its wake-up comes back here). Under a
   * budget, not while another endpoint of its scope waits for a slot, even with its probe in
   * flight: the slot is theirs (a refill that took it would be evicted for them, and refill again).
   * It refills when room is next freed.
   */
  replenish(ep: EndpointPool<E, C>): void {
    const { maintainMinIdle, minIdle, totalMaxSize } = this.#options;
    if (!maintainMinIdle || this.closed || ep.retryAt > now()) return;
    if (this.#budgetWaits?.scopeWaits(ep) === true) return;
    while (ep.size < minIdle && this.#ledger.size < totalMaxSize && this.mayCreate(ep)) {
      this.startCreate(ep);
    }
    // Short of total capacity: it gets the next room freed anywhere.
    this.#starved.delete(ep);
    if (ep.size < minIdle && this.#ledger.size >= totalMaxSize) this.#starved.add(ep);
  }

  /** Serves endpoints waiting for total capacity, oldest waiter first, while there is room. */
  #pumpBlocked(): void {
    while (!this.closed && this.#ledger.size < this.#options.totalMaxSize) {
      const ep = this.#blocked.peek();
      if (ep === undefined) return;
      this.startCreate(ep);
    }
  }
}
