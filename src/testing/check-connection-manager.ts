/**
 * A conformance check for connection managers: drives one through the lifecycle the pool relies
 * on and reports each step, so authors of managers can test theirs in a few lines.
 *
 * How it works: the steps run in a fixed order, each bounded by `timeout` (when it runs out, the
 * signal of the manager call in flight aborts and the step fails). A step that needs a connection
 * an earlier step failed to make is skipped. Every connection `create` delivers, even late, is
 * disposed before the report resolves (or at once, if it arrives after).
 *
 * Nothing here is runtime-specific: it runs wherever the pool runs.
 */
import type { ConnectionManager, OperationContext } from '../index.ts';
import { isThenable } from '../internal/is-thenable.ts';
import { show } from '../internal/show.ts';
import { now, startTimer, type TimerHandle } from '../internal/timers.ts';
import { checkDuration } from '../options.ts';

/**
 * The steps of {@link checkConnectionManager}, in the order they run:
 * - `create`: `create` resolves with a connection (not `undefined`/`null`).
 * - `createDistinct`: a second `create` resolves with a different value (the pool compares by `===`).
 * - `checkAliveness`: a fresh connection is not reported dead (skipped without `checkAliveness`).
 * - `dispose`: `dispose` of both connections settles without throwing.
 * - `createAborted`: `create` with an already aborted signal rejects.
 * - `abortDuringCreate`: `create` whose signal aborts while it runs rejects, within `timeout`
 *   (skipped if `create` settles before it can be aborted).
 * - `peerGone`: after `options.peerGone(connection)`, `checkAliveness` answers `false` within
 *   `timeout` (skipped without `peerGone` or without `checkAliveness`).
 * - `disposeDead`: `dispose` of that connection settles without throwing.
 */
export type ManagerCheckStepName =
  | 'create'
  | 'createDistinct'
  | 'checkAliveness'
  | 'dispose'
  | 'createAborted'
  | 'abortDuringCreate'
  | 'peerGone'
  | 'disposeDead';

/**
 * The outcome of one step of {@link checkConnectionManager}.
 *
 * @example
 * { name: 'dispose', status: 'failed', message: 'dispose threw: Error: boom', error, ms: 0 }
 */
export interface ManagerCheckStep {
  readonly name: ManagerCheckStepName;
  /** `skipped` steps could not run (see `message`) and do not make the report fail. */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Why the step failed or was skipped; absent when it passed. */
  readonly message?: string;
  /** What the manager (or `peerGone`) threw, when that is why the step failed. */
  readonly error?: unknown;
  /** How long the step took, in milliseconds. */
  readonly ms: number;
}

/**
 * What {@link checkConnectionManager} resolves with.
 *
 * @example
 * assert.ok(report.ok, report.summary);
 */
export interface ManagerCheckReport {
  /** `true` when no step failed. */
  readonly ok: boolean;
  /** Every step, in the order they ran. */
  readonly steps: readonly ManagerCheckStep[];
  /** One line per step, e.g. `"✗ dispose (3 ms): dispose threw: Error: boom"`, for assertion messages. */
  readonly summary: string;
}

/**
 * Options of {@link checkConnectionManager}. All times are milliseconds.
 *
 * @example
 * { timeout: 2_000, peerGone: (socket) => server.dropAll() }
 */
export interface CheckConnectionManagerOptions<E, C> {
  /**
   * How long each manager call (and the `peerGone` wait) may take. Finite, above 0.
   * @default 5_000
   */
  readonly timeout?: number | undefined;
  /**
   * How long `abortDuringCreate` lets `create` run before aborting its signal; `0` aborts as soon
   * as `create` has returned a pending promise. Raise it to abort in a later phase of `create`
   * (e.g. after the TCP connect, during a handshake). Finite.
   * @default 0
   */
  readonly abortAfter?: number | undefined;
  /**
   * Makes the peer of `connection` go away: closes the server's side of the socket, terminates
   * the database session, stops the server. Without it `peerGone` and `disposeDead` are skipped.
   * It may resolve before the manager's side has noticed: the check polls `checkAliveness`.
   */
  readonly peerGone?: ((connection: C, endpoint: E) => void | Promise<void>) | undefined;
  /**
   * How long to wait between `checkAliveness` calls while waiting for it to notice the peer went
   * away. Finite, above 0.
   * @default 10
   */
  readonly pollInterval?: number | undefined;
}

interface Resolved<E, C> {
  readonly timeout: number;
  readonly abortAfter: number;
  readonly pollInterval: number;
  readonly peerGone: ((connection: C, endpoint: E) => void | Promise<void>) | undefined;
}

/**
 * Drives `manager` through the lifecycle the pool relies on, against a real `endpoint`, and
 * resolves with a report of every step (see {@link ManagerCheckStepName}). It never rejects for
 * the manager's faults: they are failed steps. Connections it makes are all disposed before it
 * resolves.
 *
 * @throws TypeError or RangeError (synchronously) for a manager without `create`/`dispose` or bad
 * options, naming what was wrong.
 *
 * @example
 * ```ts
 * import { checkConnectionManager } from 'generic-connection-pool/testing';
 *
 * const server = await startEchoServer(); // yours: a real server on 127.0.0.1
 * const report = await checkConnectionManager(new MyManager(), ['127.0.0.1', server.port], {
 *   peerGone: () => server.destroyAllSockets(),
 * });
 * assert.ok(report.ok, report.summary);
 * ```
 */
export function checkConnectionManager<E, C>(
  manager: ConnectionManager<E, C>,
  endpoint: E,
  options: CheckConnectionManagerOptions<E, C> = {},
): Promise<ManagerCheckReport> {
  for (const method of ['create', 'dispose'] as const) {
    if (typeof manager?.[method] !== 'function') {
      throw new TypeError(
        `checkConnectionManager: manager.${method} must be a function, received ${show(manager?.[method])}`,
      );
    }
  }
  return new ManagerCheck(manager, endpoint, resolveCheckOptions(options)).run();
}

const OPTION_NAMES = ['timeout', 'abortAfter', 'peerGone', 'pollInterval'];

function resolveCheckOptions<E, C>(options: CheckConnectionManagerOptions<E, C>): Resolved<E, C> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `checkConnectionManager: options must be an object, received ${show(options)}`,
    );
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new TypeError(
        `checkConnectionManager: unknown option ${show(name)}; known options: ${OPTION_NAMES.join(', ')}`,
      );
    }
  }
  const { peerGone } = options;
  if (peerGone !== undefined && typeof peerGone !== 'function') {
    throw new TypeError(`peerGone must be a function, received ${show(peerGone)}`);
  }
  return {
    timeout: finite('timeout', options.timeout ?? 5_000, true),
    abortAfter: finite('abortAfter', options.abortAfter ?? 0, false),
    pollInterval: finite('pollInterval', options.pollInterval ?? 10, true),
    peerGone,
  };
}

function finite(name: string, value: unknown, positive: boolean): number {
  const ms = checkDuration(name, value, positive);
  if (ms === Infinity) throw new RangeError(`${name} must be finite, received Infinity`);
  return ms;
}

/** Thrown inside a step: it failed. */
class StepFailure {
  readonly message: string;
  readonly error: unknown;
  constructor(message: string, error?: unknown) {
    this.message = message;
    this.error = error;
  }
}

/** Thrown inside a step: it cannot run. */
class StepSkip {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

type Settled<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' };

const NO_CONNECTION = 'an earlier step made no connection';

class ManagerCheck<E, C> {
  readonly #steps: ManagerCheckStep[] = [];
  /** Connections `create` delivered that have not been passed to `dispose` yet. */
  readonly #live = new Set<C>();
  #finished = false;

  readonly manager: ConnectionManager<E, C>;
  readonly endpoint: E;
  readonly options: Resolved<E, C>;

  constructor(manager: ConnectionManager<E, C>, endpoint: E, options: Resolved<E, C>) {
    this.manager = manager;
    this.endpoint = endpoint;
    this.options = options;
  }

  async run(): Promise<ManagerCheckReport> {
    let first: C | undefined;
    let second: C | undefined;
    let gone: C | undefined;
    await this.#step('create', async () => {
      first = await this.#create('create');
    });
    await this.#step('createDistinct', async () => {
      if (first === undefined) throw new StepSkip(NO_CONNECTION);
      second = await this.#create('a second create');
      if (second === first) {
        throw new StepFailure(
          'create returned the same value twice; each connection must be a distinct value (the pool tells connections apart by ===)',
        );
      }
    });
    await this.#step('checkAliveness', async () => {
      if (first === undefined) throw new StepSkip(NO_CONNECTION);
      this.#needCheckAliveness();
      if ((await this.#isAlive(first, 'checkAliveness')) === false) {
        throw new StepFailure('checkAliveness answered false for a fresh connection');
      }
    });
    await this.#step('dispose', async () => {
      if (first === undefined) throw new StepSkip(NO_CONNECTION);
      for (const connection of [first, second]) {
        if (connection !== undefined && this.#live.has(connection)) {
          await this.#dispose(connection, 'dispose');
        }
      }
    });
    await this.#step('createAborted', () => this.#createAborted());
    await this.#step('abortDuringCreate', () => this.#abortDuringCreate());
    await this.#step('peerGone', async () => {
      const { peerGone } = this.options;
      if (peerGone === undefined) {
        throw new StepSkip(
          'no peerGone option: pass one that makes the peer of a connection go away',
        );
      }
      this.#needCheckAliveness();
      const connection = await this.#create('create');
      await this.#bounded('peerGone', () => peerGone(connection, this.endpoint));
      gone = connection;
      await this.#untilDead(connection);
    });
    await this.#step('disposeDead', async () => {
      if (gone === undefined) throw new StepSkip('peerGone made no connection go away');
      await this.#dispose(gone, 'dispose of a connection whose peer went away');
    });
    await this.#cleanUp();
    const ok = this.#steps.every((step) => step.status !== 'failed');
    return { ok, steps: this.#steps, summary: this.#steps.map(summarize).join('\n') };
  }

  async #step(name: ManagerCheckStepName, body: () => Promise<void>): Promise<void> {
    const started = now();
    try {
      await body();
      this.#steps.push({ name, status: 'passed', ms: now() - started });
    } catch (thrown) {
      const ms = now() - started;
      if (thrown instanceof StepSkip) {
        this.#steps.push({ name, status: 'skipped', message: thrown.message, ms });
      } else if (thrown instanceof StepFailure) {
        const step = { name, status: 'failed', message: thrown.message, ms } as const;
        this.#steps.push(thrown.error === undefined ? step : { ...step, error: thrown.error });
      } else {
        throw thrown; // A bug of the check itself, not of the manager.
      }
    }
  }

  #needCheckAliveness(): void {
    if (typeof this.manager.checkAliveness !== 'function') {
      throw new StepSkip(
        'the manager has no checkAliveness: the pool treats every connection as alive',
      );
    }
  }

  /** Runs `run` with a fresh signal, aborted when `timeout` runs out; a throw fails the step. */
  async #bounded<T>(
    what: string,
    run: (context: OperationContext) => T | PromiseLike<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const settled = await this.#settle(
      invoke(() => run({ signal: controller.signal })),
      controller,
    );
    if (settled.kind === 'value') return settled.value;
    if (settled.kind === 'error') {
      throw new StepFailure(`${what} threw: ${describe(settled.error)}`, settled.error);
    }
    throw new StepFailure(
      `${what} did not settle within ${this.options.timeout} ms (its signal was then aborted)`,
    );
  }

  /** Waits for `promise` at most `timeout`, then aborts `controller`. */
  async #settle<T>(promise: Promise<T>, controller: AbortController): Promise<Settled<T>> {
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<Settled<T>>((resolve) => {
      timer = startTimer(() => {
        controller.abort(new Error(`checkConnectionManager: ${this.options.timeout} ms passed`));
        resolve({ kind: 'timeout' });
      }, this.options.timeout);
    });
    try {
      return await Promise.race([
        promise.then(
          (value): Settled<T> => ({ kind: 'value', value }),
          (error: unknown): Settled<T> => ({ kind: 'error', error }),
        ),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #create(what: string): Promise<C> {
    const connection = await this.#bounded(what, (context) =>
      this.#adopt(invoke(() => this.manager.create(this.endpoint, context))),
    );
    if (connection === undefined || connection === null) {
      throw new StepFailure(
        `${what} resolved with ${show(connection)}; a connection must be a distinct value`,
      );
    }
    return connection;
  }

  /** Keeps every connection `promise` delivers for disposal, even one that arrives late. */
  #adopt(promise: Promise<C>): Promise<C> {
    promise.then(
      (connection) => {
        if (connection === undefined || connection === null) return;
        if (this.#finished) void this.#disposeQuietly(connection);
        else this.#live.add(connection);
      },
      () => undefined,
    );
    return promise;
  }

  #dispose(connection: C, what: string): Promise<void> {
    this.#live.delete(connection);
    return this.#bounded(what, (context) =>
      this.manager.dispose(this.endpoint, connection, context),
    );
  }

  async #disposeQuietly(connection: C): Promise<void> {
    try {
      await this.#dispose(connection, 'dispose');
    } catch {
      // Clean-up only: the steps have judged `dispose` already.
    }
  }

  #isAlive(connection: C, what: string): Promise<boolean> {
    return this.#bounded(
      what,
      (context) => this.manager.checkAliveness?.(this.endpoint, connection, context) ?? true,
    );
  }

  async #createAborted(): Promise<void> {
    const controller = new AbortController();
    controller.abort(new Error('checkConnectionManager: aborted before create'));
    const settled = await this.#settle(
      this.#adopt(invoke(() => this.manager.create(this.endpoint, { signal: controller.signal }))),
      controller,
    );
    if (settled.kind === 'value') {
      throw new StepFailure(
        'create resolved with a connection although its signal was aborted before the call; it should reject with signal.reason',
      );
    }
    if (settled.kind === 'timeout') {
      throw new StepFailure(
        `create with an aborted signal did not settle within ${this.options.timeout} ms`,
      );
    }
  }

  async #abortDuringCreate(): Promise<void> {
    const controller = new AbortController();
    let returned: C | PromiseLike<C>;
    try {
      returned = this.manager.create(this.endpoint, { signal: controller.signal });
    } catch (error) {
      throw new StepFailure(`create threw: ${describe(error)}`, error);
    }
    const promise = this.#adopt(Promise.resolve(returned));
    if (!isThenable(returned)) {
      throw new StepSkip('create returned synchronously: there was nothing to abort');
    }
    let done = false;
    const markDone = (): void => {
      done = true;
    };
    promise.then(markDone, markDone);
    // One turn lets `done` catch a promise that was settled when create returned it.
    await (this.options.abortAfter > 0 ? delay(this.options.abortAfter) : Promise.resolve());
    if (done) {
      throw new StepSkip(
        `create settled within ${this.options.abortAfter} ms, before it could be aborted`,
      );
    }
    const aborted = now();
    controller.abort(new Error('checkConnectionManager: aborted during create'));
    const settled = await this.#settle(promise, controller);
    if (settled.kind === 'value') {
      throw new StepFailure(
        `create resolved with a connection ${Math.round(now() - aborted)} ms after its signal aborted; it should reject and free what it was building`,
      );
    }
    if (settled.kind === 'timeout') {
      throw new StepFailure(
        `create did not settle within ${this.options.timeout} ms after its signal aborted`,
      );
    }
  }

  /** Polls `checkAliveness` until it answers `false`, for at most `timeout`. */
  async #untilDead(connection: C): Promise<void> {
    const deadline = now() + this.options.timeout;
    for (;;) {
      const alive = await this.#isAlive(connection, 'checkAliveness after the peer went away');
      if (alive === false) return;
      if (now() >= deadline) {
        throw new StepFailure(
          `checkAliveness still answered ${show(alive)} ${this.options.timeout} ms after the peer went away`,
        );
      }
      await delay(this.options.pollInterval);
    }
  }

  async #cleanUp(): Promise<void> {
    this.#finished = true;
    for (const connection of [...this.#live]) await this.#disposeQuietly(connection);
  }
}

function invoke<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

const MARKS = { passed: '✓', failed: '✗', skipped: '-' } as const;

function summarize(step: ManagerCheckStep): string {
  const head = `${MARKS[step.status]} ${step.name} (${Math.round(step.ms)} ms)`;
  return step.message === undefined ? head : `${head}: ${step.message}`;
}
