/**
 * Acquirers waiting for a connection budget: the endpoints whose last claim was refused while
 * they have acquirers that no create in flight will serve. Each is woken to try one create (a
 * probe) by the budget's `watch`, where it has one, or else by a poll every `pollInterval` ms,
 * jittered to between half and one and a half of it so that processes do not probe in step. The
 * poll timer keeps the process alive: it serves acquirers who await it. `watch` and the function
 * it returns are the budget's code: they run through the outbox, like every call into user code.
 */
import type { ConnectionBudget } from '../budget.ts';
import type { EndpointPool } from '../endpoint-pool.ts';
import type { Outbox } from './outbox.ts';
import { startTimer, type TimerHandle } from './timers.ts';

/** Milliseconds between probes by default. */
export const DEFAULT_POLL_INTERVAL = 500;

export class BudgetWaits<E, C> {
  readonly #budget: ConnectionBudget<E, C>;
  readonly #interval: number;
  readonly #onDue: (ep: EndpointPool<E, C>) => void;
  readonly #outbox: Outbox;
  readonly #waiting = new Set<EndpointPool<E, C>>();
  #timer: TimerHandle | undefined = undefined;

  /** @param onDue called (outside any operation) when `ep` may probe now. */
  constructor(
    budget: ConnectionBudget<E, C>,
    outbox: Outbox,
    onDue: (ep: EndpointPool<E, C>) => void,
  ) {
    this.#budget = budget;
    this.#outbox = outbox;
    this.#interval = budget.pollInterval ?? DEFAULT_POLL_INTERVAL;
    this.#onDue = onDue;
  }

  /** How many endpoints wait for budget. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Whether `ep` is woken when room may have come back. */
  has(ep: EndpointPool<E, C>): boolean {
    return this.#waiting.has(ep);
  }

  /**
   * An endpoint other than `ep` that draws on the slots of `ep`'s scope and has acquirers waiting
   * for budget that no create serves.
   */
  waitingBesides(ep: EndpointPool<E, C>): EndpointPool<E, C> | undefined {
    if (ep.budgetScope === undefined) return undefined;
    for (const other of this.#waiting) {
      if (other === ep || other.budgetScope !== ep.budgetScope || other.creating > 0) continue;
      if (other.waiters.firstUncovered !== null) return other;
    }
    return undefined;
  }

  /**
   * Whether an endpoint other than `ep` that draws on the slots of `ep`'s scope waits for budget,
   * with a probe in flight or not.
   */
  scopeWaits(ep: EndpointPool<E, C>): boolean {
    if (ep.budgetScope === undefined) return false;
    for (const other of this.#waiting) {
      if (other !== ep && other.budgetScope === ep.budgetScope) return true;
    }
    return false;
  }

  /** `ep`'s budget is full while acquirers wait there: wake it when room may have come back. */
  wait(ep: EndpointPool<E, C>): void {
    if (this.#waiting.has(ep)) return;
    this.#waiting.add(ep);
    if (this.#budget.watch !== undefined) {
      this.#outbox.defer(this.#watch, ep, undefined);
      return;
    }
    this.#schedule();
  }

  readonly #watch = (ep: EndpointPool<E, C>): void => {
    if (!this.#waiting.has(ep) || ep.unwatch !== null) return; // done before its turn came
    ep.unwatch = this.#budget.watch?.(ep.endpoint, () => this.#onDue(ep)) ?? null;
  };

  /** `ep` no longer waits for budget. */
  done(ep: EndpointPool<E, C>): void {
    if (!this.#waiting.delete(ep)) return;
    const unwatch = ep.unwatch;
    ep.unwatch = null;
    if (unwatch !== null) this.#outbox.defer(callUnwatch, unwatch, undefined);
    if (this.#waiting.size === 0) this.cancel();
  }

  /** Stops every wake-up (the pool is closed). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.size === 0) return;
    for (const ep of [...this.#waiting]) this.done(ep);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#interval === Number.POSITIVE_INFINITY) return;
    const delay = this.#interval * (0.5 + Math.random());
    this.#timer = startTimer(this.#poll, delay);
  }

  readonly #poll = (): void => {
    this.#timer = undefined;
    for (const ep of [...this.#waiting]) this.#onDue(ep);
    if (this.#waiting.size > 0) this.#schedule();
  };
}

function callUnwatch(unwatch: () => void): void {
  unwatch();
}
