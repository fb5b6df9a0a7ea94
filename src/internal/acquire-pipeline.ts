/**
 * The acquire pipeline, top to bottom:
 * 1. `acquire`: an idle connection whose check and `onAcquire` answer synchronously is handed out
 *    at once, allocating nothing but the returned promise (the fast path). Otherwise an
 *    {@link Acquisition} follows the acquirer through the steps below.
 * 2. `#proceed`: take an idle connection (disposing expired ones) and check it, or queue in arrival
 *    order (rule 5) and let {@link Capacity} start a create if the limits allow.
 * 3. `#checked`: dead connections are disposed, `onConnectionDead` is called, and the acquirer goes
 *    back to step 2 in its old place in line (rule 8).
 * 4. `#prepared`: after `onAcquire`, the decisions taken before the hooks are taken again: is the
 *    acquirer still there, the pool open, the connection within its lifetime (rule 10)? Then the
 *    connection is handed out.
 * 5. `place`: a connection that comes back (released, created, unused) goes where `placeOf`
 *    says: the oldest waiter (back to step 3 or 4 for it), idle, or disposed.
 * Creates end in `created`/`createFailed`. Keepalive checks (keep-alive-check.ts) use `check`,
 * `bury`, `onConnectionDead` and `place`.
 *
 * Every step runs as an operation of the outbox: the hooks it calls run where the state is
 * consistent, and event listeners only after the step.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import {
  ConnectionBudgetExhaustedError,
  ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
} from '../errors.ts';
import type { DisposeReason, EventHub, PoolEvents } from '../events.ts';
import type { ConnectionManager } from '../manager.ts';
import type { ResolvedOptions } from '../options.ts';
import type { PoolTotals } from '../stats.ts';
import { Acquisition } from './acquisition.ts';
import type { BudgetWaits } from './budget-waits.ts';
import type { Capacity, PendingCreate } from './capacity.ts';
import { ConnectionRecord } from './connection-record.ts';
import type { CreateBackoff } from './create-backoff.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { isThenable } from './is-thenable.ts';
import { LazyContext } from './lazy-context.ts';
import type { Ledger } from './ledger.ts';
import type { Outbox } from './outbox.ts';
import { expiryReason, placeOf, type Return } from './placement.ts';
import { RESOLVED } from './resolved.ts';
import { show } from './show.ts';
import { now } from './timers.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

/** What the pipeline needs of the pool around it. */
export interface PipelineHost<E, C> {
  /** The endpoint pool of `endpoint`, made anew if the pool forgot it. */
  route(endpoint: E): EndpointPool<E, C>;
  /** Drops `ep` if it holds nothing. */
  forgetIfEmpty(ep: EndpointPool<E, C>): void;
  /** Disposes `record` (see the pool's `#dispose`). */
  dispose(
    record: Rec<E, C>,
    reason: DisposeReason,
    awaited: boolean,
    cause?: unknown,
    replenish?: boolean,
  ): Promise<void>;
  /** Room of `ep` was given back without a disposal (a create failed). */
  freed(ep: EndpointPool<E, C>, replenish: boolean): void;
  closedError(endpoint: E): Error;
  /**
   * With a budget whose endpoints share slots: evicts an idle connection of another endpoint of
   * `ep`'s scope, so that its slot can serve `ep`. @returns whether it did.
   */
  evictSameScope(ep: EndpointPool<E, C>): boolean;
}

export class AcquirePipeline<E, C> {
  readonly #manager: ConnectionManager<E, C>;
  readonly #options: ResolvedOptions<E>;
  readonly #outbox: Outbox;
  readonly #events: EventHub<E, C>;
  readonly #totals: PoolTotals;
  readonly #ledger: Ledger<E, C>;
  readonly #capacity: Capacity<E, C>;
  readonly #backoff: CreateBackoff<E, C>;
  readonly #host: PipelineHost<E, C>;
  readonly #budgetWaits: BudgetWaits<E, C> | null;
  /** Acquirers with a finite deadline; they time out there. */
  readonly #deadlines = new DeadlineQueue<E, C>((acq) => this.#timeOut(acq, false));
  #seq = 0;

  constructor(
    manager: ConnectionManager<E, C>,
    options: ResolvedOptions<E>,
    outbox: Outbox,
    events: EventHub<E, C>,
    totals: PoolTotals,
    ledger: Ledger<E, C>,
    capacity: Capacity<E, C>,
    backoff: CreateBackoff<E, C>,
    host: PipelineHost<E, C>,
    budgetWaits: BudgetWaits<E, C> | null,
  ) {
    this.#budgetWaits = budgetWaits;
    this.#manager = manager;
    this.#options = options;
    this.#outbox = outbox;
    this.#events = events;
    this.#totals = totals;
    this.#ledger = ledger;
    this.#capacity = capacity;
    this.#backoff = backoff;
    this.#host = host;
  }

  // ---- 1. acquire -------------------------------------------------------------------------

  /**
   * An acquire of `endpoint` at `ep`, validated by the pool, started at `t`.
   * @param stack the caller's stack, with leak detection only.
   */
  acquire(
    ep: EndpointPool<E, C>,
    endpoint: E,
    timeout: number,
    signal: AbortSignal | undefined,
    t: number,
    stack: string | undefined,
  ): Promise<C> {
    if (ep.waiters.length === 0) {
      const manager = this.#manager;
      if (manager.checkAliveness === undefined && manager.onAcquire === undefined) {
        // No hook runs before it is handed out: straight from idle, without the reserved state.
        const record = this.#nextIdle(ep, t);
        if (record !== null) {
          record.suspect = false;
          this.#handOut(record, endpoint, 0, t, stack);
          return Promise.resolve(record.connection);
        }
      } else {
        const record = this.#takeIdle(ep, t);
        if (record !== null) {
          const alive = this.#checkForReuse(record, t);
          if (alive === true) {
            record.suspect = false;
            const prepared = this.#onAcquire(record);
            // A synchronous hook takes no time: the connection is handed out at `t`.
            if (!isThenable(prepared) && this.#usable(record)) {
              this.#handOut(record, endpoint, 0, t, stack);
              return Promise.resolve(record.connection);
            }
            const acq = this.#afterHook(record, ep, endpoint, timeout, signal, t, stack);
            this.#afterOnAcquire(acq, record, prepared, t);
            return acq.promise;
          }
          const acq = this.#afterHook(record, ep, endpoint, timeout, signal, t, stack);
          this.#afterCheck(acq, record, alive);
          return acq.promise;
        }
      }
    }
    const acq = this.#newAcquisition(ep, endpoint, timeout, signal, t, stack);
    this.#proceed(acq, t);
    return acq.promise;
  }

  /** Whether a record reserved by the fast path is still its to hand out: a hook may have closed the pool. */
  #usable(record: Rec<E, C>): boolean {
    return record.state === 'reserved' && !this.#capacity.closed;
  }

  /**
   * The acquisition for `record`, taken from idle, once a hook called before there was one did not
   * hand it out at once. A hook that closed the pool found no acquirer to fail: it fails now, not
   * when (if ever) the hook settles.
   */
  #afterHook(
    record: Rec<E, C>,
    ep: EndpointPool<E, C>,
    endpoint: E,
    timeout: number,
    signal: AbortSignal | undefined,
    t: number,
    stack: string | undefined,
  ): Acquisition<E, C> {
    const acq = this.#newAcquisition(ep, endpoint, timeout, signal, t, stack);
    this.#reserve(acq, record);
    if (!this.#usable(record)) this.#fail(acq, this.#host.closedError(endpoint));
    return acq;
  }

  #newAcquisition(
    ep: EndpointPool<E, C>,
    endpoint: E,
    timeout: number,
    signal: AbortSignal | undefined,
    startedAt: number,
    stack: string | undefined,
  ): Acquisition<E, C> {
    // timeout 0 never waits in line, but what it starts may take up to createTimeout.
    const budget = timeout === 0 ? this.#options.createTimeout : timeout;
    const acq = new Acquisition(
      ++this.#seq,
      ep,
      endpoint,
      timeout,
      startedAt + budget,
      signal,
      startedAt,
    );
    acq.stack = stack;
    if (acq.deadline !== Number.POSITIVE_INFINITY) this.#deadlines.add(acq);
    if (signal !== undefined) {
      const onAbort = (): void => {
        this.#outbox.enter();
        this.#totals.aborts++;
        this.#abortCheck(acq.record, signal.reason);
        this.#fail(acq, signal.reason);
        this.#outbox.exit();
      };
      acq.onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return acq;
  }

  // ---- 2. idle or queue -------------------------------------------------------------------

  /** Serves `acq` (which holds nothing and waits nowhere) from idle, or queues it. */
  #proceed(acq: Acquisition<E, C>, t: number): void {
    if (acq.state === 'settled') return;
    let ep = this.#currentEndpoint(acq);
    const record = ep.waiters.length === 0 ? this.#takeIdle(ep, t) : null;
    if (record !== null) {
      this.#reserve(acq, record);
      this.#afterCheck(acq, record, this.#checkForReuse(record, t));
      return;
    }
    if (this.#capacity.closed) {
      this.#fail(acq, this.#host.closedError(acq.endpoint));
      return;
    }
    ep = this.#currentEndpoint(acq); // disposing expired connections may have emptied it
    if (ep.retryAt > t) {
      this.#fail(acq, this.#backoff.unavailableError(acq.endpoint, ep, t));
      return;
    }
    // Served by neither an idle connection nor free capacity: it has to queue.
    const queues = !this.#capacity.canCreateNow(ep);
    if (queues) {
      if (acq.timeout === 0) {
        this.#timeOut(acq, true);
        return;
      }
      const { maxWaiters } = this.#options;
      const waiting = ep.waiters.length - ep.waiters.covers;
      if (!acq.retried && waiting >= maxWaiters) {
        this.#fail(
          acq,
          new ConnectionPoolQueueFullError(
            `Cannot acquire a connection to endpoint ${show(acq.endpoint)}: ${waiting} acquirers ` +
              `already wait there, maxWaiters is ${maxWaiters}`,
          ),
        );
        return;
      }
    }
    acq.state = 'queued';
    acq.waited ||= queues;
    ep.waiters.insert(acq);
    if (ep.budgetFull && ep.creating === 0) this.#queuedForBudget(ep);
    this.#capacity.pump(ep);
  }

  /** The endpoint pool of `acq`: the pool may have forgotten it while `acq` was between steps. */
  #currentEndpoint(acq: Acquisition<E, C>): EndpointPool<E, C> {
    if (acq.ep.forgotten) acq.ep = this.#host.route(acq.endpoint);
    return acq.ep;
  }

  /** Takes the next idle connection of `ep` that has not expired, disposing expired ones. */
  #takeIdle(ep: EndpointPool<E, C>, t: number): Rec<E, C> | null {
    const record = this.#nextIdle(ep, t);
    if (record === null) return null;
    record.kept = true;
    this.#ledger.move(record, 'reserved', t);
    return record;
  }

  /** The next idle connection of `ep` that has not expired (still idle); expired ones are disposed. */
  #nextIdle(ep: EndpointPool<E, C>, t: number): Rec<E, C> | null {
    for (let record = ep.nextIdle(); record !== null; record = ep.nextIdle()) {
      if (record.expiresAt > t) return record;
      this.#host.dispose(record, expiryReason(record), false);
    }
    return null;
  }

  #reserve(acq: Acquisition<E, C>, record: Rec<E, C>): void {
    acq.state = 'busy';
    acq.record = record;
    record.acquisition = acq;
  }

  // ---- 3. the aliveness check -------------------------------------------------------------

  /** `checkAliveness` before reusing an idle connection, unless it was released very recently. */
  #checkForReuse(record: Rec<E, C>, t: number): unknown {
    const skip = this.#options.skipAlivenessCheckWithin;
    if (skip > 0 && !record.suspect && t - record.lastReleasedAt < skip) return true;
    return this.check(record);
  }

  /** Runs `checkAliveness` with the record's reusable context; a throw becomes a rejection. */
  check(record: Rec<E, C>): unknown {
    const manager = this.#manager;
    if (manager.checkAliveness === undefined) return true;
    record.context ??= new LazyContext(false);
    try {
      const context = record.context.begin();
      const alive = manager.checkAliveness(record.endpoint, record.connection, context);
      // A synchronous check is over: an abort meant for it must not reach the next one.
      if (!isThenable(alive)) context.reset();
      return alive;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #afterCheck(acq: Acquisition<E, C>, record: Rec<E, C>, alive: unknown): void {
    if (isThenable(alive)) {
      alive.then(
        (value) => this.#step(this.#checked, acq, record, value, undefined),
        (error: unknown) =>
          this.#step(this.#checked, acq, record, undefined, error ?? new Error(String(error))),
      );
      return;
    }
    this.#checked(acq, record, alive, undefined);
  }

  /** Runs a step that a settled hook promise continues, as an operation of its own. */
  #step(
    step: (acq: Acquisition<E, C>, record: Rec<E, C>, value: unknown, error: unknown) => void,
    acq: Acquisition<E, C>,
    record: Rec<E, C>,
    value: unknown,
    error: unknown,
  ): void {
    this.#outbox.enter();
    step.call(this, acq, record, value, error);
    this.#outbox.exit();
  }

  #checked(acq: Acquisition<E, C>, record: Rec<E, C>, alive: unknown, error: unknown): void {
    record.context?.reset();
    if (record.state === 'disposed') {
      this.#fail(acq, this.#host.closedError(acq.endpoint)); // close({ timeout }) disposed it
      return;
    }
    if (error !== undefined) {
      record.pool.errors++;
      record.pool.lastError = error;
      record.suspect = true;
      this.#detach(acq, record);
      this.place(record, 'unused', now(), false);
      this.#fail(acq, error);
      return;
    }
    if (alive === false) {
      this.#dead(acq, record);
      return;
    }
    record.suspect = false;
    if (acq.state === 'settled' || this.#capacity.closed) {
      this.#detach(acq, record);
      this.place(record, 'unused', now(), false);
      this.#fail(acq, this.#host.closedError(acq.endpoint));
      return;
    }
    this.#startOnAcquire(acq, record);
  }

  /** `checkAliveness` said `false`: rule 8. The acquirer goes on once `onConnectionDead` has. */
  #dead(acq: Acquisition<E, C>, record: Rec<E, C>): void {
    this.#detach(acq, record);
    // Its acquirer replaces it: maintainMinIdle refilling at once would put a fresh idle
    // connection before the retrying acquirer, which may find that one dead too, and so on
    // without end within one turn of the event loop.
    this.bury(record, false);
    this.#outbox.defer(this.#afterDead, acq, record);
  }

  /** Disposes a connection found dead and counts it; `onConnectionDead` is the caller's to call. */
  bury(record: Rec<E, C>, replenish: boolean): void {
    const { endpoint, connection } = record;
    this.#totals.deadConnections++;
    this.#emit('dead', { endpoint, connection });
    this.#host.dispose(record, 'dead', false, undefined, replenish);
  }

  readonly #afterDead = (acq: Acquisition<E, C>, record: Rec<E, C>): void => {
    const handled = this.onConnectionDead(record);
    if (isThenable(handled)) {
      handled.then(
        () => this.#retry(acq),
        (error: unknown) => this.#retry(acq, error),
      );
      return;
    }
    this.#retry(acq);
  };

  /** Runs `onConnectionDead`; a throw becomes a rejection. */
  onConnectionDead(record: Rec<E, C>): unknown {
    try {
      return this.#manager.onConnectionDead?.(record.endpoint, record.connection);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Back to step 2, in its old place in line; or rejected with `onConnectionDead`'s error. */
  #retry(acq: Acquisition<E, C>, error?: unknown): void {
    this.#outbox.enter();
    if (error !== undefined) this.#fail(acq, error);
    else {
      acq.retried = true;
      this.#proceed(acq, now());
    }
    this.#outbox.exit();
  }

  // ---- 4. onAcquire and the hand-out ------------------------------------------------------

  /** Runs `onAcquire`; a throw becomes a rejection. */
  #onAcquire(record: Rec<E, C>): unknown {
    try {
      return this.#manager.onAcquire?.(record.endpoint, record.connection);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #startOnAcquire(acq: Acquisition<E, C>, record: Rec<E, C>): void {
    // The clock is read once the hook is done: at once if it was synchronous, else when it settles.
    this.#afterOnAcquire(acq, record, this.#onAcquire(record), undefined);
  }

  /**
   * @param t the time a synchronous `onAcquire` hands the connection out at; `undefined`: the
   *   time it is done.
   */
  #afterOnAcquire(
    acq: Acquisition<E, C>,
    record: Rec<E, C>,
    prepared: unknown,
    t: number | undefined,
  ): void {
    if (isThenable(prepared)) {
      prepared.then(
        () => this.#step(this.#prepared, acq, record, now(), undefined),
        (error: unknown) =>
          this.#step(this.#prepared, acq, record, now(), error ?? new Error(String(error))),
      );
      return;
    }
    this.#prepared(acq, record, t ?? now(), undefined);
  }

  #prepared(acq: Acquisition<E, C>, record: Rec<E, C>, at: unknown, error: unknown): void {
    const t = at as number;
    if (record.state === 'disposed') {
      this.#fail(acq, error ?? this.#host.closedError(acq.endpoint));
      return;
    }
    if (error !== undefined) {
      record.suspect = true;
      this.#detach(acq, record);
      this.place(record, 'unused', t, false);
      this.#fail(acq, error);
      return;
    }
    if (acq.state === 'settled' || this.#capacity.closed) {
      this.#detach(acq, record);
      this.place(record, 'unused', t, false);
      this.#fail(acq, this.#host.closedError(acq.endpoint));
      return;
    }
    // Rule 10: its lifetime (or, taken from idle, its idle time) may have ended meanwhile, or its
    // budget slot been lost.
    if (record.retired || record.lifetimeEndsAt <= t || (record.kept && record.expiresAt <= t)) {
      this.#detach(acq, record);
      const reason = record.retired
        ? 'dead'
        : record.lifetimeEndsAt <= t
          ? 'lifetime'
          : expiryReason(record);
      this.#host.dispose(record, reason, false);
      acq.retried = true;
      this.#proceed(acq, t);
      return;
    }
    this.#settle(acq);
    if (acq.waited) this.#totals.waitedAcquires++;
    this.#handOut(record, acq.endpoint, t - acq.startedAt, t, acq.stack);
    acq.resolve(record.connection);
  }

  /** The record now belongs to its user; `stack` is given only with leak detection. */
  #handOut(
    record: Rec<E, C>,
    endpoint: E,
    waitedMs: number,
    t: number,
    stack: string | undefined,
  ): void {
    record.acquiredAt = t;
    record.uses++;
    record.kept = false;
    record.stack = stack;
    this.#ledger.move(record, 'acquired', t);
    this.#totals.acquires++;
    if (this.#events.has('acquire')) {
      this.#emit('acquire', { endpoint, connection: record.connection, waitedMs });
    }
  }

  /** `acq` lets go of `record`. */
  #detach(acq: Acquisition<E, C>, record: Rec<E, C>): void {
    acq.record = null;
    record.acquisition = null;
  }

  // ---- 5. where a connection goes back ----------------------------------------------------

  /**
   * `record` (reserved or releasing) comes back at `t`: it goes where `placeOf` says.
   * @param awaited whether the caller awaits a disposal (a release does).
   * @returns settles when a disposal has; at once otherwise.
   */
  place(record: Rec<E, C>, how: Return, t: number, awaited: boolean): Promise<void> {
    const where = placeOf(record, how, t, this.#capacity.closed, this.#options);
    if (where === 'to-idle') {
      this.#ledger.move(record, 'idle', t);
      this.#capacity.idleAppeared();
      const budgetWaits = this.#budgetWaits;
      if (budgetWaits !== null && budgetWaits.size > 0) this.#idleInScope(record.pool, budgetWaits);
      return RESOLVED;
    }
    if (where !== 'to-waiter') return this.#host.dispose(record, where, awaited);
    const ep = record.pool;
    const waiter = ep.waiters.head as Acquisition<E, C>;
    this.#dequeue(waiter);
    if (record.state !== 'reserved') this.#ledger.move(record, 'reserved', t);
    this.#reserve(waiter, record);
    // Its hooks run once this step is over.
    this.#outbox.defer(this.#prepareForWaiter, waiter, t);
    return RESOLVED;
  }

  /**
   * The connection handed to `acq` at `t` (`acq.record`, unless something took it since): checked
   * first only if a hook failed on it.
   */
  readonly #prepareForWaiter = (acq: Acquisition<E, C>, t: number): void => {
    const record = acq.record;
    if (record === null) return; // the acquirer left, and its connection went back meanwhile
    this.#outbox.enter();
    if (record.suspect) this.#afterCheck(acq, record, this.check(record));
    else if (acq.state === 'settled' || record.state !== 'reserved') {
      this.#prepared(acq, record, t, undefined);
    } else this.#afterOnAcquire(acq, record, this.#onAcquire(record), t);
    this.#outbox.exit();
  };

  // ---- creates ----------------------------------------------------------------------------

  /**
   * A create returned `connection`: it serves the oldest waiter or becomes idle.
   * @returns the error when the connection was a duplicate of one in the pool (the create failed).
   */
  created(create: PendingCreate<E, C>, connection: C): TypeError | undefined {
    const { ep, endpoint, startedAt } = create;
    if (this.#ledger.records.has(connection)) {
      const error = new TypeError(
        `create returned a connection that is already in the pool (endpoint ${show(endpoint)}); ` +
          'each connection must be a distinct value',
      );
      this.createFailed(create, error);
      return error;
    }
    const t = now();
    const { maxLifetime, maxLifetimeJitter } = this.#options;
    const lifetime =
      maxLifetimeJitter > 0 ? maxLifetime * (1 - maxLifetimeJitter * Math.random()) : maxLifetime;
    const record = new ConnectionRecord(ep, endpoint, connection, t, lifetime);
    this.#ledger.createEnded(ep, record);
    this.#emit('create', { endpoint, connection, durationMs: t - startedAt });
    const recovered = ep.failures > 0 || ep.budgetFull;
    if (ep.failures > 0) this.#backoff.recovered(ep);
    if (ep.budgetFull) {
      ep.budgetFull = false;
      this.#budgetWaits?.done(ep);
    }
    this.place(record, 'created', t, false);
    // The probe succeeded: acquirers queued behind it get creates of their own. With a budget,
    // creates run one at a time: the next one starts now.
    if (recovered || this.#options.budget !== undefined) this.#capacity.pump(ep);
    return undefined;
  }

  /**
   * The budget refused a slot to a create (its connection is being disposed): its room is given
   * back, and the acquirers of `ep` wait for budget as they wait for total capacity, woken to probe
   * by the budget's watch or poll. Their timeout names the full budget as its cause.
   */
  refused(create: PendingCreate<E, C>): void {
    const { ep, endpoint } = create;
    this.#ledger.createEnded(ep, null);
    const wasFull = ep.budgetFull;
    ep.budgetFull = true;
    ep.errors++;
    ep.lastError = new ConnectionBudgetExhaustedError(
      `The connection budget of endpoint ${show(endpoint)} is full: all ${ep.budgetLimit} ` +
        'slots are held across the processes that share it',
    );
    for (let waiter = ep.waiters.head; waiter !== null; waiter = waiter.next) waiter.waited = true;
    if (!wasFull) this.#emit('budgetExhausted', { endpoint, limit: ep.budgetLimit });
    // Only for acquirers: a refused refill or prewarm (which never evict) leaves the scope alone.
    if (ep.waiters.firstUncovered !== null) {
      if (this.#host.evictSameScope(ep)) ep.probeDue = true;
      this.#budgetWaits?.wait(ep);
    }
    this.#host.freed(ep, false);
  }

  /**
   * A connection of `ep` became idle while another endpoint of its budget scope waits for budget:
   * an idle connection of the scope is evicted for it, and it probes (as under totalMaxSize).
   */
  #idleInScope(ep: EndpointPool<E, C>, budgetWaits: BudgetWaits<E, C>): void {
    const waiting = budgetWaits.waitingBesides(ep);
    if (waiting === undefined || !this.#host.evictSameScope(waiting)) return;
    waiting.probeDue = true;
    this.#capacity.pump(waiting);
  }

  /**
   * An acquirer queued at `ep`, which the budget refused. If it refused while nobody waited here
   * (a refill, a prewarm, acquirers since gone), nothing polled it since: what the pool knows is
   * stale, and it probes at once. So it does if an idle connection of another endpoint of the
   * scope can be evicted for it (one became idle while nobody waited here).
   */
  #queuedForBudget(ep: EndpointPool<E, C>): void {
    if (this.#budgetWaits?.has(ep) === false || this.#host.evictSameScope(ep)) ep.probeDue = true;
  }

  /** A budget wake-up for `ep`: one probe, if acquirers still wait for budget there. */
  probe(ep: EndpointPool<E, C>): void {
    if (!ep.budgetFull || ep.waiters.firstUncovered === null) {
      this.#budgetWaits?.done(ep);
      return;
    }
    ep.probeDue = true;
    this.#capacity.pump(ep);
  }

  /** A create failed with `error`: the oldest waiter gets it; with backoff, the others fail too. */
  createFailed(create: PendingCreate<E, C>, error: unknown): void {
    const { ep, endpoint, startedAt, seq } = create;
    this.#ledger.createEnded(ep, null);
    this.#totals.createErrors++;
    ep.errors++;
    ep.lastError = error;
    ep.lastCreateError = error;
    const t = now();
    this.#emit('createError', { endpoint, error, durationMs: t - startedAt });
    // After close, creates fail because close aborted them: no backoff, no timer.
    const backoff = this.#options.createRetryDelay > 0;
    const counted = backoff && seq >= ep.failedMark && !this.#capacity.closed;
    if (counted) this.#backoff.failed(ep, t, this.#capacity.nextCreateSeq);
    const head = ep.waiters.head;
    if (head !== null) this.#fail(head, error);
    if (counted) {
      for (let waiter = ep.waiters.head; waiter !== null; waiter = ep.waiters.head) {
        this.#fail(waiter, this.#backoff.unavailableError(waiter.endpoint, ep, t));
      }
    }
    // A failed probe: the acquirers it leaves uncovered wait for the next one.
    if (ep.budgetFull && ep.waiters.firstUncovered !== null) this.#budgetWaits?.wait(ep);
    this.#host.freed(ep, backoff);
  }

  // ---- settling ---------------------------------------------------------------------------

  /** The pool closed: the acquire deadlines' timer ends with the last acquirer. */
  stopDeadlines(): void {
    this.#deadlines.stop();
  }

  /** Rejects every acquirer of `ep`, waiting or between steps, with `errorOf(endpoint)`. */
  failWaiters(ep: EndpointPool<E, C>, errorOf: (endpoint: E) => Error): void {
    for (let waiter = ep.waiters.head; waiter !== null; waiter = ep.waiters.head) {
      this.#fail(waiter, errorOf(waiter.endpoint));
    }
  }

  /** Rejects the acquirer `record` is being prepared for, if any, aborting its check. */
  failPreparing(record: Rec<E, C>, error: Error): void {
    this.#abortCheck(record, error);
    const acq = record.acquisition;
    if (acq !== null) this.#fail(acq, error);
  }

  /** Aborts the check or create context of `record`, once this step is over. */
  #abortCheck(record: Rec<E, C> | null, reason: unknown): void {
    const context = record?.context;
    if (context != null) this.#outbox.defer(abortContext, context, reason);
  }

  /** Takes `acq` out of every queue and heap; its promise is settled by the caller. */
  #settle(acq: Acquisition<E, C>): void {
    if (acq.state === 'queued') this.#dequeue(acq);
    acq.state = 'settled';
    if (acq.deadline !== Number.POSITIVE_INFINITY) this.#deadlines.remove(acq);
    if (acq.onAbort !== null) {
      acq.signal?.removeEventListener('abort', acq.onAbort);
      acq.onAbort = null;
    }
  }

  #dequeue(acq: Acquisition<E, C>): void {
    acq.ep.waiters.remove(acq);
    this.#capacity.update(acq.ep);
  }

  #fail(acq: Acquisition<E, C>, error: unknown): void {
    if (acq.state === 'settled') return;
    this.#settle(acq);
    this.#host.forgetIfEmpty(acq.ep);
    acq.reject(error);
  }

  /** @param refused a `timeout: 0` acquire found nothing to serve it at once. */
  #timeOut(acq: Acquisition<E, C>, refused: boolean): void {
    this.#outbox.enter();
    const ep = acq.ep;
    const cause = ep.errors > acq.errorsAtStart ? { cause: ep.lastError } : undefined;
    const { maxSize, totalMaxSize } = this.#options;
    const what = refused
      ? 'No idle connection or free capacity (timeout 0)'
      : `Timed out after ${Math.round(acq.deadline - acq.startedAt)} ms`;
    const error = new ConnectionPoolTimeoutError(
      `${what} acquiring a connection to endpoint ${show(acq.endpoint)}: ` +
        `${ep.size} of maxSize ${maxSize} at this endpoint, ` +
        `${this.#ledger.size} of totalMaxSize ${totalMaxSize} in the pool`,
      cause,
    );
    this.#abortCheck(acq.record, error);
    this.#totals.timeouts++;
    this.#fail(acq, error);
    this.#emit('timeout', { endpoint: acq.endpoint });
    this.#outbox.exit();
  }

  /** Emits `event` once this step is over, if anyone listens. */
  #emit<K extends keyof PoolEvents<E, C>>(event: K, payload: PoolEvents<E, C>[K]): void {
    if (this.#events.has(event)) this.#outbox.defer(this.#events.emitter<K>, event, payload);
  }
}

function abortContext(context: LazyContext, reason: unknown): void {
  context.abort(reason);
}
