/**
 * How connections leave the pool, and when a closing pool is done. A connection leaves in one of
 * two ways: disposed (its room goes to whoever waits longest, then to `maintainMinIdle` refills) or
 * evicted (its room goes to the acquirer that evicted it, for another endpoint). Either way the
 * ledger forgets it at once, and the `dispose` event and `manager.dispose` run through the outbox
 * once the current operation is over. `close` is done once no connection is left and no disposal
 * runs, nor (unless its timeout ran out) a create given up by `createTimeout`. With a budget, a
 * connection whose slot was lost is retired here too.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import type { DisposeReason, EventHub } from '../events.ts';
import type { PoolTotals } from '../stats.ts';
import type { Capacity } from './capacity.ts';
import type { ConnectionRecord } from './connection-record.ts';
import type { Disposer } from './disposer.ts';
import type { Ledger } from './ledger.ts';
import type { Outbox } from './outbox.ts';
import { now, startTimer, type TimerHandle } from './timers.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

export class Retirement<E, C> {
  readonly #ledger: Ledger<E, C>;
  readonly #events: EventHub<E, C>;
  readonly #outbox: Outbox;
  readonly #totals: PoolTotals;
  readonly #disposer: Disposer<E, C>;
  readonly #capacity: Capacity<E, C>;
  readonly #endpoints: ReadonlyMap<unknown, EndpointPool<E, C>>;
  readonly #forgetIfEmpty: (ep: EndpointPool<E, C>) => void;
  #closing: Promise<void> | undefined = undefined;
  #closeDone: (() => void) | undefined = undefined;
  #closeTimer: TimerHandle | undefined = undefined;
  #closeAt = Number.POSITIVE_INFINITY;
  #onTimeout: () => void = () => undefined;
  /** Connections that `close({ timeout })` disposed while acquired: releasing them is a no-op. */
  #forced: Set<C> | undefined = undefined;

  constructor(
    ledger: Ledger<E, C>,
    events: EventHub<E, C>,
    outbox: Outbox,
    totals: PoolTotals,
    disposer: Disposer<E, C>,
    capacity: Capacity<E, C>,
    endpoints: ReadonlyMap<unknown, EndpointPool<E, C>>,
    forgetIfEmpty: (ep: EndpointPool<E, C>) => void,
  ) {
    this.#endpoints = endpoints;
    this.#ledger = ledger;
    this.#events = events;
    this.#outbox = outbox;
    this.#totals = totals;
    this.#disposer = disposer;
    this.#capacity = capacity;
    this.#forgetIfEmpty = forgetIfEmpty;
  }

  /**
   * Disposes `record`; the room it leaves goes to whoever waits longest. The promise settles when
   * `dispose` has, and never rejects.
   * @param awaited whether a caller awaits the disposal (then its timer keeps the process alive).
   * @param cause the `cause` of the `dispose` event (what was passed to `discard`).
   * @param replenish whether `maintainMinIdle` may refill the room at once.
   */
  dispose(
    record: Rec<E, C>,
    reason: DisposeReason,
    awaited: boolean,
    cause?: unknown,
    replenish = true,
  ): Promise<void> {
    const done = this.#letGo(record, reason, awaited, cause);
    this.#slotBack(record.pool);
    this.freed(record.pool, replenish);
    return done;
  }

  /**
   * With a budget: the slot of a connection of `ep` comes back, so the endpoints of its scope
   * that the budget refused may probe at once, without waiting for the poll.
   */
  #slotBack(ep: EndpointPool<E, C>): void {
    if (ep.budgetFull) ep.probeDue = true;
    if (ep.budgetScope === undefined) return;
    for (const other of this.#endpoints.values()) {
      if (other === ep || !other.budgetFull || other.budgetScope !== ep.budgetScope) continue;
      other.probeDue = true;
      this.#capacity.update(other);
    }
  }

  /** Evicts the idle `victim` for another endpoint; the caller takes the room it leaves. */
  evict(victim: Rec<E, C>): void {
    this.#totals.evictions++;
    this.#letGo(victim, 'evicted', false, undefined);
    this.#forgetIfEmpty(victim.pool);
  }

  /**
   * The budget lost the slot of `connection`: it is retired, disposed (as `'dead'`) at once if
   * idle, or else when it comes back (placement disposes retired connections).
   */
  retireLost(connection: C): void {
    const record = this.#ledger.records.get(connection);
    if (record === undefined || record.retired) return;
    record.retired = true;
    if (record.state === 'idle') this.dispose(record, 'dead', false);
  }

  /**
   * The budget refused `ep` a slot: evicts an idle connection of another endpoint whose slots are
   * the same (the budget's scope), so its slot can serve `ep`. @returns whether it did.
   */
  evictSameScope(ep: EndpointPool<E, C>): boolean {
    if (ep.budgetScope === undefined) return false;
    for (const other of this.#endpoints.values()) {
      if (other === ep || other.budgetScope !== ep.budgetScope) continue;
      const victim = other.extra.head ?? other.persistent.head;
      if (victim === null) continue;
      this.evict(victim);
      return true;
    }
    return false;
  }

  /** Room of `ep` was freed (a disposal, a failed create): it is handed on. */
  freed(ep: EndpointPool<E, C>, replenish: boolean): void {
    this.#capacity.freed(ep, replenish);
    this.#forgetIfEmpty(ep);
    this.checkClosed();
  }

  #letGo(
    record: Rec<E, C>,
    reason: DisposeReason,
    awaited: boolean,
    cause: unknown,
  ): Promise<void> {
    this.#ledger.move(record, 'disposed', 0);
    const { endpoint, connection } = record;
    if (this.#events.has('dispose')) {
      this.#outbox.defer(
        this.#events.emitter<'dispose'>,
        'dispose',
        cause === undefined
          ? { endpoint, connection, reason }
          : { endpoint, connection, reason, cause },
      );
    }
    return this.#disposer.dispose(endpoint, connection, awaited);
  }

  // ---- closing ------------------------------------------------------------------------------

  /** The promise of `close`, once it was called. */
  get closing(): Promise<void> | undefined {
    return this.#closing;
  }

  /** Whether `close({ timeout })` disposed `connection` while it was acquired. */
  wasForced(connection: C): boolean {
    return this.#forced?.has(connection) === true;
  }

  /**
   * `close` was called: its promise, settled by `checkClosed`.
   * @param onTimeout called when `timeout` ms have passed and the pool is not closed yet.
   */
  beginClose(timeout: number, onTimeout: () => void): Promise<void> {
    this.#closing = new Promise<void>((resolve) => {
      this.#closeDone = resolve;
    });
    this.#onTimeout = onTimeout;
    this.tightenClose(timeout);
    return this.#closing;
  }

  /**
   * A `close({ timeout })` while closing: the earlier of the deadlines holds (a later `close`
   * with a timeout bounds a `close()` that had none).
   */
  tightenClose(timeout: number): void {
    const at = now() + timeout;
    if (this.#closeDone === undefined || this.#forced !== undefined || at >= this.#closeAt) return;
    this.#closeAt = at;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = startTimer(() => {
      this.#closeTimer = undefined;
      this.#forced ??= new Set();
      this.#onTimeout();
    }, timeout);
  }

  /** `close({ timeout })` ran out while `record` was acquired: it is disposed anyway. */
  force(record: Rec<E, C>): void {
    this.#forced?.add(record.connection);
    record.gone = this.dispose(record, 'closed', true);
  }

  /** Resolves `close` once nothing is left (see the header). */
  checkClosed(): void {
    if (this.#closeDone === undefined || this.#ledger.size > 0 || this.#disposer.running > 0) {
      return;
    }
    if (this.#forced === undefined && this.#disposer.abandoned > 0) return;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#closeDone();
    this.#closeDone = undefined;
  }
}
