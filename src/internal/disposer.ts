/**
 * Runs `manager.dispose` for the connections the pool lets go, each bounded by `disposeTimeout`
 * (its context is aborted when that runs out), and counts the manager calls `close` waits for:
 * disposals still running, and creates given up by their `createTimeout` whose connection may
 * still come (it is disposed here when it does). A dispose that fails or times out is counted in
 * `totals.disposeErrors` and reported as a `disposeError` event, never thrown. `onSettled` runs
 * each time the count goes down, so the pool can finish closing. A disposal counts from the moment
 * the pool lets the connection go; `manager.dispose` itself is called through the outbox, once the
 * pool's state is consistent.
 */

import type { ConnectionBudget } from '../budget.ts';
import { ConnectionPoolTimeoutError } from '../errors.ts';
import type { EventHub } from '../events.ts';
import type { ConnectionManager } from '../manager.ts';
import type { PoolTotals } from '../stats.ts';
import { LazyContext } from './lazy-context.ts';
import type { Outbox } from './outbox.ts';
import { show } from './show.ts';
import { startTimer, type TimerHandle } from './timers.ts';

/** Disposes connections and keeps count of the manager calls still running. */
export class Disposer<E, C> {
  readonly #manager: ConnectionManager<E, C>;
  readonly #timeout: number;
  readonly #events: EventHub<E, C>;
  readonly #totals: PoolTotals;
  readonly #onSettled: () => void;
  readonly #outbox: Outbox;
  readonly #budget: ConnectionBudget<E, C> | undefined;
  #running = 0;
  #abandoned = 0;

  /**
   * @param timeout milliseconds a dispose may take (`disposeTimeout`).
   * @param onSettled called after each disposal or given-up create has ended.
   */
  constructor(
    manager: ConnectionManager<E, C>,
    timeout: number,
    events: EventHub<E, C>,
    totals: PoolTotals,
    outbox: Outbox,
    onSettled: () => void,
    budget?: ConnectionBudget<E, C>,
  ) {
    this.#outbox = outbox;
    this.#budget = budget;
    this.#manager = manager;
    this.#timeout = timeout;
    this.#events = events;
    this.#totals = totals;
    this.#onSettled = onSettled;
  }

  /** Disposals still running, each bounded by `disposeTimeout`. */
  get running(): number {
    return this.#running;
  }

  /** Creates given up by their `createTimeout` whose manager call has not ended yet. */
  get abandoned(): number {
    return this.#abandoned;
  }

  /**
   * Disposes `connection`; the promise settles when `dispose` has, and never rejects.
   * @param awaited whether a caller awaits it (then its timer keeps the process alive).
   * @param claimed whether it holds a budget slot: the budget's `release` runs first (its errors
   *   are ignored; a slot comes back by itself when its connection dies).
   */
  dispose(
    endpoint: E,
    connection: C,
    awaited: boolean,
    claimed = this.#budget !== undefined,
  ): Promise<void> {
    this.#running++;
    return new Promise<void>((resolve) => {
      this.#outbox.defer(this.#start, { endpoint, connection, awaited, claimed }, resolve);
    });
  }

  readonly #start = (job: DisposeJob<E, C>, done: () => void): void => {
    const budget = this.#budget;
    if (!job.claimed || budget === undefined) {
      this.#dispose(job, done);
      return;
    }
    new Promise<void>((resolve) => {
      resolve(budget.release(job.endpoint, job.connection));
    }).then(
      () => this.#dispose(job, done),
      () => this.#dispose(job, done),
    );
  };

  #dispose(job: DisposeJob<E, C>, done: () => void): void {
    const { endpoint, connection, awaited } = job;
    const context = new LazyContext();
    const disposeTimeout = this.#timeout;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = startTimer(
        () => {
          const error = new ConnectionPoolTimeoutError(
            `Disposing a connection to endpoint ${show(endpoint)} timed out after disposeTimeout ${disposeTimeout} ms`,
          );
          context.abort(error);
          reject(error);
        },
        disposeTimeout,
        awaited,
      );
    });
    const disposed = new Promise<void>((resolve) => {
      resolve(this.#manager.dispose(endpoint, connection, context));
    });
    Promise.race([disposed, timedOut]).then(
      () => this.#disposed(timer, done),
      (error: unknown) => {
        this.#totals.disposeErrors++;
        if (this.#events.has('disposeError')) {
          this.#events.emit('disposeError', { endpoint, connection, error });
        }
        this.#disposed(timer, done);
      },
    );
  }

  /** A create timed out: the manager may still return a connection, which must be disposed. */
  abandon(): void {
    this.#abandoned++;
  }

  /**
   * The abandoned create ended, with the `connection` it returned late (which the pool never
   * counted: it is disposed now) or with none.
   */
  abandonedEnded(endpoint: E, connection?: C, claimed = false): void {
    this.#abandoned--;
    if (connection !== undefined) this.dispose(endpoint, connection, false, claimed);
    this.#onSettled();
  }

  #disposed(timer: TimerHandle | undefined, done: () => void): void {
    clearTimeout(timer);
    this.#running--;
    done();
    this.#onSettled();
  }
}

interface DisposeJob<E, C> {
  readonly endpoint: E;
  readonly connection: C;
  readonly awaited: boolean;
  readonly claimed: boolean;
}
