/**
 * The parts of a pool, made and wired together: the ledger and its expiry, the capacity, the
 * acquire pipeline, the creator and disposer, retirement, backoff, keepalive, leak detection and
 * the budget's waits. Here is which part calls which, and which calls from timers and settled
 * manager promises run as operations of their own. The pool keeps its public API and the routing
 * of endpoints ({@link PoolRouting}), and reaches everything else through these parts.
 */
import type { ConnectionBudget } from '../budget.ts';
import type { EndpointPool } from '../endpoint-pool.ts';
import type { EventHub } from '../events.ts';
import type { ConnectionManager } from '../manager.ts';
import type { ResolvedOptions } from '../options.ts';
import type { PoolTotals } from '../stats.ts';
import { AcquirePipeline } from './acquire-pipeline.ts';
import { BudgetWaits } from './budget-waits.ts';
import { Capacity, type PendingCreate } from './capacity.ts';
import { CreateBackoff } from './create-backoff.ts';
import { Creator } from './creator.ts';
import { Disposer } from './disposer.ts';
import { ExpiryCollector } from './expiry-collector.ts';
import { KeepAliveCheck } from './keep-alive-check.ts';
import { KeepAliveSweeper } from './keep-alive-sweeper.ts';
import { LeakDetector } from './leak-detector.ts';
import { Ledger } from './ledger.ts';
import type { Outbox } from './outbox.ts';
import { expiryReason } from './placement.ts';
import { Retirement } from './retirement.ts';

/** What the parts ask of the pool: its endpoints by value, and its closed error. */
export interface PoolRouting<E, C> {
  /** The endpoint pool of `endpoint`, made if the pool does not know it. */
  route(endpoint: E): EndpointPool<E, C>;
  /** Forgets `ep` if it holds nothing (and need not be remembered). */
  forgetIfEmpty(ep: EndpointPool<E, C>): void;
  closedError(endpoint: E): Error;
}

/** What the pool shares with its parts. */
export interface PoolShared<E, C> {
  readonly manager: ConnectionManager<E, C>;
  readonly options: ResolvedOptions<E>;
  readonly endpoints: Map<string | number, EndpointPool<E, C>>;
  readonly events: EventHub<E, C>;
  readonly totals: PoolTotals;
  readonly outbox: Outbox;
}

export class PoolParts<E, C> {
  /** Idle connections of every endpoint by expiry, disposed when they expire. */
  readonly expiry: ExpiryCollector<E, C>;
  /** Which state each connection is in, with the lists and counts that go with it. */
  readonly ledger: Ledger<E, C>;
  /** The limits, eviction and minIdle refills: every create starts there. */
  readonly capacity: Capacity<E, C>;
  /** The steps of an acquire, and where a connection goes back. */
  readonly pipeline: AcquirePipeline<E, C>;
  /** Runs `create` calls; `close` stops and aborts them. */
  readonly creator: Creator<E, C, PendingCreate<E, C>>;
  /** Disposals, evictions, and when a closing pool is done. */
  readonly retirement: Retirement<E, C>;
  /** Waits of endpoints whose creates fail. */
  readonly backoff: CreateBackoff<E, C>;
  /** With leak detection: connections held too long. */
  readonly leaks: LeakDetector<E, C> | null;
  /** With keepalive (and `checkAliveness`): sweeps of idle connections. */
  readonly #keepAlive: KeepAliveSweeper<E, C> | null;
  /** With a connection budget: the endpoints whose acquirers wait for it. */
  readonly #budgetWaits: BudgetWaits<E, C> | null;
  readonly #options: ResolvedOptions<E>;
  readonly #outbox: Outbox;
  readonly #routing: PoolRouting<E, C>;

  constructor(shared: PoolShared<E, C>, routing: PoolRouting<E, C>) {
    const { manager, options, endpoints, events, totals, outbox } = shared;
    this.#options = options;
    this.#outbox = outbox;
    this.#routing = routing;
    const budget = options.budget as ConnectionBudget<E, C> | undefined;
    const operation = (step: () => void) => this.#operation(step);
    this.expiry = new ExpiryCollector(options.backgroundCollector, options.disposeBatchSize, (r) =>
      operation(() => this.retirement.dispose(r, expiryReason(r), false)),
    );
    this.ledger = new Ledger(this.expiry, totals);
    const keepAlive =
      options.keepAliveInterval > 0 && manager.checkAliveness !== undefined
        ? new KeepAliveSweeper(options.keepAliveInterval, endpoints, this.expiry, (r, t) =>
            operation(() => keepAliveCheck?.start(r, t)),
          )
        : null;
    this.#keepAlive = keepAlive;
    this.leaks =
      options.leakDetectionThreshold > 0
        ? new LeakDetector(options.leakDetectionThreshold, events)
        : null;
    this.ledger.attach(this.leaks, keepAlive);
    this.backoff = new CreateBackoff(options, (ep) => operation(() => this.#woken(ep)));
    const disposer = new Disposer(
      manager,
      options.disposeTimeout,
      events,
      totals,
      outbox,
      () => this.retirement.checkClosed(),
      budget,
    );
    const budgetWaits =
      budget === undefined
        ? null
        : new BudgetWaits(budget, outbox, (ep) => operation(() => this.pipeline.probe(ep)));
    this.#budgetWaits = budgetWaits;
    this.capacity = new Capacity(
      options,
      this.ledger,
      this.expiry,
      (victim) => this.retirement.evict(victim),
      budgetWaits,
    );
    const retirement = new Retirement(
      this.ledger,
      events,
      outbox,
      totals,
      disposer,
      this.capacity,
      endpoints,
      (ep) => routing.forgetIfEmpty(ep),
    );
    this.retirement = retirement;
    this.pipeline = new AcquirePipeline(
      manager,
      options,
      outbox,
      events,
      totals,
      this.ledger,
      this.capacity,
      this.backoff,
      {
        route: (endpoint) => routing.route(endpoint),
        forgetIfEmpty: (ep) => routing.forgetIfEmpty(ep),
        dispose: (record, reason, awaited, cause, replenish) =>
          retirement.dispose(record, reason, awaited, cause, replenish),
        freed: (ep, replenish) => retirement.freed(ep, replenish),
        closedError: (endpoint) => routing.closedError(endpoint),
        evictSameScope: (ep) => retirement.evictSameScope(ep),
      },
      budgetWaits,
    );
    const keepAliveCheck =
      keepAlive === null
        ? null
        : new KeepAliveCheck(this.ledger, outbox, this.pipeline, options.createTimeout);
    this.creator = new Creator(
      manager,
      options.createTimeout,
      disposer,
      outbox,
      (create, connection) => operation(() => this.#created(create, connection)),
      (create, error) => operation(() => this.#createFailed(create, error)),
      budget === undefined
        ? undefined
        : {
            budget,
            onRefused: (create) => operation(() => this.#refused(create)),
            onLost: (connection) => operation(() => retirement.retireLost(connection)),
          },
    );
    this.capacity.attach(this.creator);
  }

  /**
   * The pool closed: the timers of expiry, keepalive, leak detection, backoff and budget stop; the
   * acquire deadlines' timer once no acquirer is left.
   */
  stopTimers(): void {
    this.pipeline.stopDeadlines();
    this.expiry.cancel();
    this.#keepAlive?.cancel();
    this.leaks?.cancel();
    this.backoff.cancel();
    this.#budgetWaits?.cancel();
  }

  /** Runs `step` as an operation: what it defers runs once it is over. */
  #operation(step: () => void): void {
    this.#outbox.enter();
    step();
    this.#outbox.exit();
  }

  #created(create: PendingCreate<E, C>, connection: C): void {
    const duplicate = this.pipeline.created(create, connection);
    create.done?.(duplicate !== undefined, duplicate);
  }

  #createFailed(create: PendingCreate<E, C>, error: unknown): void {
    this.pipeline.createFailed(create, error);
    create.done?.(true, error);
  }

  /** The budget refused the slot of a create (for `prewarm`: nothing more fits). */
  #refused(create: PendingCreate<E, C>): void {
    this.pipeline.refused(create);
    create.done?.(false, undefined);
  }

  /**
   * The backoff of `ep` is over (with `maintainMinIdle`: refill it) or it has been quiet for the
   * longest wait (without: forget it if empty).
   */
  #woken(ep: EndpointPool<E, C>): void {
    if (this.#options.maintainMinIdle) this.capacity.replenish(ep);
    else this.#routing.forgetIfEmpty(ep);
  }
}
