/**
 * Runs `manager.create` for the pool, each call bounded by `createTimeout`, and ends each create
 * exactly once: `onCreated(job, connection)` or `onFailed(job, error)`. The manager is called
 * through the outbox, once the pool's state is consistent. When the timeout runs out first, or the
 * pool gives the create up (`giveUpAll`, when `close({ timeout })` runs out), the create fails at
 * once and its context is aborted; a connection the manager returns after that is handed to the
 * {@link Disposer}, which also counts the abandoned create. `abortAll` (for `close`) aborts the
 * creates in flight; they end through `onFailed` when the manager gives up. A create that returns
 * `undefined` or `null` fails with a TypeError: no connection is a nothing.
 *
 * With a connection budget, a created connection must claim a slot before it counts as created
 * (still within `createTimeout`): refused, it is disposed and the create ends through `onRefused`;
 * a claim that throws (the engine cannot be reached) disposes it and fails the create with a
 * ConnectionBudgetUnavailableError.
 */
import type { ConnectionBudget } from '../budget.ts';
import {
  ConnectionBudgetUnavailableError,
  ConnectionPoolClosedError,
  ConnectionPoolTimeoutError,
} from '../errors.ts';
import type { ConnectionManager } from '../manager.ts';
import type { Disposer } from './disposer.ts';
import { LazyContext } from './lazy-context.ts';
import type { Outbox } from './outbox.ts';
import { show } from './show.ts';
import { startTimer, type TimerHandle } from './timers.ts';

/** What the pool asks for: a connection to `endpoint`; the rest is the pool's. */
export interface CreateJob<E> {
  readonly endpoint: E;
}

/** One create in flight. */
interface Running<J> {
  readonly job: J;
  readonly context: LazyContext;
  timer: TimerHandle | undefined;
  settled: boolean;
}

/** Calls `manager.create` with a timeout; `J` is what the pool passes along with each create. */
export class Creator<E, C, J extends CreateJob<E>> {
  readonly #manager: ConnectionManager<E, C>;
  readonly #timeout: number;
  readonly #disposer: Disposer<E, C>;
  readonly #outbox: Outbox;
  readonly #onCreated: (job: J, connection: C) => void;
  readonly #onFailed: (job: J, error: unknown) => void;
  readonly #budget: BudgetHooks<E, C, J> | undefined;
  readonly #running = new Set<Running<J>>();
  /** Set by `stop` (the pool is closed): a create whose manager call has not started never starts. */
  #stopped = false;

  /**
   * @param timeout milliseconds a create may take (`createTimeout`).
   * @param onCreated a create returned `connection` in time.
   * @param onFailed a create threw, rejected, timed out or was given up with `error`.
   * @param budget with a connection budget: it and what the pool does with its answers.
   */
  constructor(
    manager: ConnectionManager<E, C>,
    timeout: number,
    disposer: Disposer<E, C>,
    outbox: Outbox,
    onCreated: (job: J, connection: C) => void,
    onFailed: (job: J, error: unknown) => void,
    budget?: BudgetHooks<E, C, J>,
  ) {
    this.#budget = budget;
    this.#manager = manager;
    this.#timeout = timeout;
    this.#disposer = disposer;
    this.#outbox = outbox;
    this.#onCreated = onCreated;
    this.#onFailed = onFailed;
  }

  /** Starts a create for `job.endpoint`; it ends through `onCreated` or `onFailed`, once. */
  start(job: J): void {
    const run: Running<J> = { job, context: new LazyContext(), timer: undefined, settled: false };
    this.#running.add(run);
    const createTimeout = this.#timeout;
    run.timer = startTimer(() => {
      this.#giveUp(
        run,
        new ConnectionPoolTimeoutError(
          `Creating a connection to endpoint ${show(job.endpoint)} timed out after createTimeout ${createTimeout} ms`,
        ),
      );
    }, createTimeout);
    this.#outbox.defer(this.#call, run, undefined);
  }

  /**
   * The pool is closed: creates not yet handed to the manager end at once (through `onFailed`,
   * with ConnectionPoolClosedError) when their turn comes; `abortAll` aborts the others.
   */
  stop(): void {
    this.#stopped = true;
  }

  /** Aborts every create in flight (the pool is closed). */
  abortAll(): void {
    for (const run of this.#running) {
      run.context.abort(
        new ConnectionPoolClosedError('The connection pool was closed during create'),
      );
    }
  }

  /** Gives up every create in flight at once (`close({ timeout })` ran out). */
  giveUpAll(): void {
    for (const run of this.#running) {
      this.#giveUp(
        run,
        new ConnectionPoolClosedError('The connection pool was closed during create'),
      );
    }
  }

  readonly #call = (run: Running<J>): void => {
    const { endpoint } = run.job;
    if (run.settled) {
      this.#disposer.abandonedEnded(endpoint); // given up before the manager was called
      return;
    }
    if (this.#stopped) {
      this.#end(run);
      this.#onFailed(
        run.job,
        new ConnectionPoolClosedError('The connection pool was closed during create'),
      );
      return;
    }
    new Promise<C>((resolve) => {
      resolve(this.#manager.create(endpoint, run.context));
    }).then(
      (connection) => {
        if (run.settled) {
          this.#disposer.abandonedEnded(endpoint, connection ?? undefined);
        } else if (connection === undefined || connection === null) {
          this.#end(run);
          this.#onFailed(
            run.job,
            new TypeError(
              `create returned ${show(connection)} for endpoint ${show(endpoint)}: it must return (or resolve with) a connection`,
            ),
          );
        } else if (this.#budget === undefined) {
          this.#end(run);
          this.#onCreated(run.job, connection);
        } else {
          this.#claim(run, connection, this.#budget);
        }
      },
      (error: unknown) => {
        if (run.settled) this.#disposer.abandonedEnded(endpoint);
        else {
          this.#end(run);
          this.#onFailed(run.job, error);
        }
      },
    );
  };

  /** Claims a budget slot for the fresh `connection` of `run`. */
  #claim(run: Running<J>, connection: C, hooks: BudgetHooks<E, C, J>): void {
    const { endpoint } = run.job;
    const context = {
      get signal(): AbortSignal {
        return run.context.signal;
      },
      lost: () => hooks.onLost(connection),
    };
    new Promise<boolean>((resolve) => {
      resolve(hooks.budget.claim(endpoint, connection, context));
    }).then(
      (claimed) => {
        if (run.settled) {
          this.#disposer.abandonedEnded(endpoint, connection, claimed === true);
          return;
        }
        this.#end(run);
        if (claimed === true) {
          this.#onCreated(run.job, connection);
          return;
        }
        this.#disposer.dispose(endpoint, connection, false, false);
        hooks.onRefused(run.job);
      },
      (error: unknown) => {
        if (run.settled) {
          this.#disposer.abandonedEnded(endpoint, connection);
          return;
        }
        this.#end(run);
        this.#disposer.dispose(endpoint, connection, false, false);
        this.#onFailed(
          run.job,
          new ConnectionBudgetUnavailableError(
            `The connection budget for endpoint ${show(endpoint)} could not claim a slot (the engine failed or refused the connection: see cause); the connection was closed`,
            { cause: error },
          ),
        );
      },
    );
  }

  #giveUp(run: Running<J>, error: unknown): void {
    if (run.settled) return;
    this.#end(run);
    this.#disposer.abandon();
    run.context.abort(error);
    this.#onFailed(run.job, error);
  }

  #end(run: Running<J>): void {
    run.settled = true;
    clearTimeout(run.timer);
    this.#running.delete(run);
  }
}

/** A connection budget, and what the pool does with its answers. */
export interface BudgetHooks<E, C, J> {
  readonly budget: ConnectionBudget<E, C>;
  /** The claim of a create was refused (its connection is being disposed). */
  onRefused(job: J): void;
  /** The budget says the slot of `connection` was lost. */
  onLost(connection: C): void;
}
