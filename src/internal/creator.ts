/**
 * Runs `manager.create` for the pool, each call bounded by `createTimeout`, and ends each create
 * exactly once: `onCreated(job, connection)` or `onFailed(job, error)`. When the timeout runs out
 * first, the create fails at once with ConnectionPoolTimeoutError and its context is aborted; a
 * connection the manager returns after that is handed to the {@link Disposer}, which also counts
 * the abandoned create so that `close` waits for it. Each create's context makes its
 * `AbortController` only if the manager reads `signal` or the create is aborted. `abortAll` (for
 * `close`) aborts the creates in flight; they end through `onFailed` when the manager gives up.
 */
import { ConnectionPoolClosedError, ConnectionPoolTimeoutError } from '../errors.ts';
import type { ConnectionManager } from '../manager.ts';
import type { Disposer } from './disposer.ts';
import { LazyContext } from './lazy-context.ts';
import { show } from './show.ts';
import { startTimer } from './timers.ts';

/** What the pool asks for: a connection to `endpoint`; the rest is the pool's. */
export interface CreateJob<E> {
  readonly endpoint: E;
}

/** Calls `manager.create` with a timeout; `J` is what the pool passes along with each create. */
export class Creator<E, C, J extends CreateJob<E>> {
  readonly #manager: ConnectionManager<E, C>;
  readonly #timeout: number;
  readonly #disposer: Disposer<E, C>;
  readonly #onCreated: (job: J, connection: C) => void;
  readonly #onFailed: (job: J, error: unknown) => void;
  /** Contexts of the creates in flight. */
  readonly #running = new Set<LazyContext>();

  /**
   * @param timeout milliseconds a create may take (`createTimeout`).
   * @param onCreated a create returned `connection` in time.
   * @param onFailed a create threw, rejected or timed out with `error`.
   */
  constructor(
    manager: ConnectionManager<E, C>,
    timeout: number,
    disposer: Disposer<E, C>,
    onCreated: (job: J, connection: C) => void,
    onFailed: (job: J, error: unknown) => void,
  ) {
    this.#manager = manager;
    this.#timeout = timeout;
    this.#disposer = disposer;
    this.#onCreated = onCreated;
    this.#onFailed = onFailed;
  }

  /** Starts a create for `job.endpoint`; it ends through `onCreated` or `onFailed`, once. */
  start(job: J): void {
    const { endpoint } = job;
    const context = new LazyContext();
    this.#running.add(context);
    let settled = false;
    const createTimeout = this.#timeout;
    const timer = startTimer(() => {
      settled = true;
      this.#running.delete(context);
      this.#disposer.abandoned();
      const error = new ConnectionPoolTimeoutError(
        `Creating a connection to endpoint ${show(endpoint)} timed out after createTimeout ${createTimeout} ms`,
      );
      context.abort(error);
      this.#onFailed(job, error);
    }, createTimeout);
    new Promise<C>((resolve) => {
      resolve(this.#manager.create(endpoint, context));
    }).then(
      (connection) => {
        if (settled) {
          this.#disposer.abandonedCreated(endpoint, connection);
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.#running.delete(context);
        this.#onCreated(job, connection);
      },
      (error: unknown) => {
        if (settled) {
          this.#disposer.abandonedFailed();
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.#running.delete(context);
        this.#onFailed(job, error);
      },
    );
  }

  /** Aborts every create in flight (the pool is closed). */
  abortAll(): void {
    for (const context of this.#running) {
      context.abort(new ConnectionPoolClosedError('The connection pool was closed during create'));
    }
  }
}
