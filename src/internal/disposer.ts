/**
 * Runs `manager.dispose` for the connections the pool lets go, each bounded by `disposeTimeout`
 * (its context is aborted when that runs out), and counts the manager calls `close` waits for:
 * disposals still running, and creates given up by their `createTimeout` whose connection may
 * still come (it is disposed here when it does). A dispose that fails or times out is counted in
 * `totals.disposeErrors` and reported as a `disposeError` event, never thrown. `onSettled` runs
 * each time the count goes down, so the pool can finish closing.
 */
import { ConnectionPoolTimeoutError } from '../errors.ts';
import type { EventHub } from '../events.ts';
import type { ConnectionManager } from '../manager.ts';
import type { PoolTotals } from '../stats.ts';
import { LazyContext } from './lazy-context.ts';
import { show } from './show.ts';
import { startTimer, type TimerHandle } from './timers.ts';

/** Disposes connections and keeps count of the manager calls still running. */
export class Disposer<E, C> {
  readonly #manager: ConnectionManager<E, C>;
  readonly #timeout: number;
  readonly #events: EventHub<E, C>;
  readonly #totals: PoolTotals;
  readonly #onSettled: () => void;
  #running = 0;

  /**
   * @param timeout milliseconds a dispose may take (`disposeTimeout`).
   * @param onSettled called after each disposal or given-up create has ended.
   */
  constructor(
    manager: ConnectionManager<E, C>,
    timeout: number,
    events: EventHub<E, C>,
    totals: PoolTotals,
    onSettled: () => void,
  ) {
    this.#manager = manager;
    this.#timeout = timeout;
    this.#events = events;
    this.#totals = totals;
    this.#onSettled = onSettled;
  }

  /** Disposals and given-up creates still running. */
  get running(): number {
    return this.#running;
  }

  /**
   * Disposes `connection`; the promise settles when `dispose` has, and never rejects.
   * @param awaited whether a caller awaits it (then its timer keeps the process alive).
   */
  dispose(endpoint: E, connection: C, awaited: boolean): Promise<void> {
    this.#running++;
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
    return Promise.race([disposed, timedOut]).then(
      () => this.#disposed(timer),
      (error: unknown) => {
        this.#totals.disposeErrors++;
        if (this.#events.has('disposeError')) {
          this.#events.emit('disposeError', { endpoint, connection, error });
        }
        this.#disposed(timer);
      },
    );
  }

  /** A create timed out: the manager may still return a connection, which must be disposed. */
  abandoned(): void {
    this.#running++;
  }

  /** The abandoned create returned `connection`, which the pool never counted: disposes it. */
  abandonedCreated(endpoint: E, connection: C): void {
    this.#running--;
    this.dispose(endpoint, connection, false);
  }

  /** The abandoned create failed: nothing is left to dispose. */
  abandonedFailed(): void {
    this.#running--;
    this.#onSettled();
  }

  #disposed(timer: TimerHandle | undefined): void {
    clearTimeout(timer);
    this.#running--;
    this.#onSettled();
  }
}
