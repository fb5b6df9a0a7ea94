/**
 * A scriptable in-memory connection manager for tests.
 *
 * How it works: every hook call is appended to `calls`, then takes the next one-shot behaviour
 * queued with `once(hook, …)` or, if none is queued, the standing behaviour set with
 * `set(hook, …)`. A behaviour can wait (`delay` on `setTimeout`, so fake timers drive it; `gate`, a
 * promise the test settles), then fail (`error`) or succeed. `create`, `dispose` and
 * `checkAliveness` honour `context.signal`: once it aborts they reject with `signal.reason` (unless
 * the behaviour says `ignoreSignal`) and the abort is recorded in `aborted`.
 *
 * Nothing here is runtime-specific: it runs wherever the pool runs.
 */
import type { ConnectionManager } from '../index.ts';

/**
 * The hooks of a {@link ConnectionManager} that {@link MockConnectionManager} records and scripts.
 *
 * @example
 * const hook: MockHook = 'checkAliveness';
 */
export type MockHook =
  | 'create'
  | 'dispose'
  | 'checkAliveness'
  | 'onAcquire'
  | 'onRelease'
  | 'onConnectionDead';

/**
 * A connection made by {@link MockConnectionManager}: a distinct object per `create` call.
 * `alive` is what `checkAliveness` answers unless a behaviour says otherwise; `dispose` sets it
 * to `false`.
 *
 * @example
 * const conn: MockConnection = { id: 1, endpoint: 'db', alive: true };
 */
export interface MockConnection<E = string> {
  /** 1, 2, 3, … in the order the `create` calls started. */
  readonly id: number;
  /** The endpoint passed to `create`. */
  readonly endpoint: E;
  /** Whether the connection is (still) alive. Tests may flip it. */
  alive: boolean;
}

/**
 * One recorded hook call.
 *
 * @example
 * assert.deepEqual(mock.calls[0], { hook: 'create', endpoint: 'db' });
 */
export interface MockCall<E = string> {
  readonly hook: MockHook;
  readonly endpoint: E;
  /** Absent for `create`. */
  readonly connection?: MockConnection<E>;
}

/**
 * A hook call that ended because its `context.signal` aborted.
 *
 * @example
 * assert.equal(mock.aborted[0]?.reason, controller.signal.reason);
 */
export interface MockAbort<E = string> extends MockCall<E> {
  /** The signal's `reason`, which the call rejected with. */
  readonly reason: unknown;
}

/**
 * What one hook call does. All fields are optional; an empty behaviour succeeds at once.
 * Order: wait for `delay`, then for `gate`, then throw `error` or succeed.
 *
 * @example
 * mock.once('create', { delay: 100, error: new Error('refused') });
 * mock.set('checkAliveness', { alive: false });
 */
export interface MockBehaviour {
  /** Throw (or reject with) this value. Ignored when `undefined`. */
  readonly error?: unknown;
  /**
   * Return or throw synchronously instead of through a promise. Only applies without `delay` and
   * `gate`. @default the manager's `sync` option (`false`)
   */
  readonly sync?: boolean;
  /** Wait this many ms (via `setTimeout`) before going on. @default 0 */
  readonly delay?: number;
  /** Wait for this promise before going on; if it rejects, the call rejects with its reason. */
  readonly gate?: PromiseLike<unknown>;
  /** `checkAliveness` only: the answer. @default `connection.alive` */
  readonly alive?: boolean;
  /** Keep going when `context.signal` aborts (a manager that does not honour its signal). */
  readonly ignoreSignal?: boolean;
}

/**
 * Options of {@link MockConnectionManager}.
 *
 * @example
 * new MockConnectionManager({ sync: true });
 */
export interface MockConnectionManagerOptions {
  /** Hooks without a delay or gate return synchronously instead of returning a promise. @default false */
  readonly sync?: boolean;
}

/**
 * A promise with its `resolve` and `reject` exposed, for use as a {@link MockBehaviour.gate}.
 *
 * @example
 * const gate = deferred();
 * mock.once('create', { gate: gate.promise });
 * // … later
 * gate.resolve();
 */
export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T | PromiseLike<T>): void;
  reject(reason?: unknown): void;
}

/**
 * Makes a {@link Deferred}: a promise the test settles by hand.
 *
 * @example
 * const gate = deferred();
 * mock.set('dispose', { gate: gate.promise });
 * gate.resolve();
 */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const HOOKS: readonly MockHook[] = [
  'create',
  'dispose',
  'checkAliveness',
  'onAcquire',
  'onRelease',
  'onConnectionDead',
];

/** One value per hook, each made by `make`. */
function perHook<T>(make: () => T): Record<MockHook, T> {
  const record = {} as Record<MockHook, T>;
  for (const hook of HOOKS) record[hook] = make();
  return record;
}

/**
 * A {@link ConnectionManager} for tests: makes plain `{ id, endpoint, alive }` connections,
 * records every call, and lets a test inject errors, delays and gates per hook.
 *
 * @example
 * const mock = new MockConnectionManager();
 * mock.once('create', { error: new Error('refused') });
 * const pool = new ConnectionPool(mock);
 * await assert.rejects(pool.acquire('db'), /refused/);
 * const conn = await pool.acquire('db');
 * await pool.release(conn);
 * assert.deepEqual(mock.created, [conn]);
 */
export class MockConnectionManager<E = string> implements ConnectionManager<E, MockConnection<E>> {
  /** Every hook call, in the order the calls started. */
  readonly calls: MockCall<E>[] = [];
  /** Connections whose `create` succeeded, in the order they were returned. */
  readonly created: MockConnection<E>[] = [];
  /** Connections passed to `dispose`, in call order (recorded when the call starts). */
  readonly disposed: MockConnection<E>[] = [];
  /** Calls that rejected because their signal aborted. */
  readonly aborted: MockAbort<E>[] = [];

  readonly #sync: boolean;
  readonly #standing = new Map<MockHook, MockBehaviour>();
  readonly #queued = perHook((): MockBehaviour[] => []);
  readonly #active = perHook(() => 0);
  #nextId = 0;

  constructor(options: MockConnectionManagerOptions = {}) {
    this.#sync = options.sync ?? false;
  }

  /**
   * Sets the standing behaviour of `hook` (used when no one-shot behaviour is queued);
   * without `behaviour`, goes back to the default (succeed at once).
   *
   * @example
   * mock.set('create', { delay: 50 });
   */
  set(hook: MockHook, behaviour?: MockBehaviour): this {
    if (behaviour === undefined) this.#standing.delete(hook);
    else this.#standing.set(hook, behaviour);
    return this;
  }

  /**
   * Queues a behaviour for the next call of `hook` only; several queue in order.
   *
   * @example
   * mock.once('create', { error: new Error('first fails') }).once('create', { delay: 10 });
   */
  once(hook: MockHook, behaviour: MockBehaviour): this {
    this.#queued[hook].push(behaviour);
    return this;
  }

  /**
   * Forgets all standing and queued behaviours (the records stay).
   *
   * @example
   * mock.reset();
   */
  reset(): this {
    this.#standing.clear();
    for (const hook of HOOKS) this.#queued[hook] = [];
    return this;
  }

  /**
   * The recorded calls of one hook.
   *
   * @example
   * assert.equal(mock.callsOf('checkAliveness').length, 1);
   */
  callsOf(hook: MockHook): MockCall<E>[] {
    return this.calls.filter((call) => call.hook === hook);
  }

  /**
   * How many calls of `hook` (or of all hooks) have started and not yet settled.
   *
   * @example
   * assert.equal(mock.active('create'), 0); // no create left running
   */
  active(hook?: MockHook): number {
    if (hook !== undefined) return this.#active[hook];
    let sum = 0;
    for (const n of Object.values(this.#active)) sum += n;
    return sum;
  }

  /**
   * Makes a new connection `{ id, endpoint, alive: true }`.
   *
   * @example
   * const conn = await mock.create('db', { signal: new AbortController().signal });
   */
  create(
    endpoint: E,
    context?: { signal: AbortSignal },
  ): MockConnection<E> | Promise<MockConnection<E>> {
    const connection: MockConnection<E> = { id: ++this.#nextId, endpoint, alive: true };
    return this.#run({ hook: 'create', endpoint }, context?.signal, () => {
      this.created.push(connection);
      return connection;
    });
  }

  /**
   * Records the disposal (in `disposed`, at once) and marks the connection not alive.
   *
   * @example
   * await mock.dispose('db', conn, { signal: new AbortController().signal });
   */
  dispose(
    endpoint: E,
    connection: MockConnection<E>,
    context?: { signal: AbortSignal },
  ): void | Promise<void> {
    this.disposed.push(connection);
    connection.alive = false;
    return this.#run({ hook: 'dispose', endpoint, connection }, context?.signal, () => undefined);
  }

  /**
   * Answers the behaviour's `alive` if set, else `connection.alive`.
   *
   * @example
   * conn.alive = false;
   * assert.equal(await mock.checkAliveness('db', conn), false);
   */
  checkAliveness(
    endpoint: E,
    connection: MockConnection<E>,
    context?: { signal: AbortSignal },
  ): boolean | Promise<boolean> {
    let answer: boolean | undefined;
    return this.#run(
      { hook: 'checkAliveness', endpoint, connection },
      context?.signal,
      () => answer ?? connection.alive,
      (behaviour) => {
        answer = behaviour.alive;
      },
    );
  }

  /**
   * Records the call; does nothing else unless scripted.
   *
   * @example
   * mock.set('onAcquire', { error: new Error('reset failed') });
   */
  onAcquire(endpoint: E, connection: MockConnection<E>): void | Promise<void> {
    return this.#run({ hook: 'onAcquire', endpoint, connection }, undefined, () => undefined);
  }

  /**
   * Records the call; does nothing else unless scripted.
   *
   * @example
   * mock.set('onRelease', { delay: 10 });
   */
  onRelease(endpoint: E, connection: MockConnection<E>): void | Promise<void> {
    return this.#run({ hook: 'onRelease', endpoint, connection }, undefined, () => undefined);
  }

  /**
   * Records the call; does nothing else unless scripted.
   *
   * @example
   * assert.equal(mock.callsOf('onConnectionDead').length, 1);
   */
  onConnectionDead(endpoint: E, connection: MockConnection<E>): void | Promise<void> {
    return this.#run(
      { hook: 'onConnectionDead', endpoint, connection },
      undefined,
      () => undefined,
    );
  }

  #take(hook: MockHook): MockBehaviour {
    return this.#queued[hook].shift() ?? this.#standing.get(hook) ?? {};
  }

  #run<T>(
    call: MockCall<E>,
    signal: AbortSignal | undefined,
    succeed: () => T,
    inspect?: (behaviour: MockBehaviour) => void,
  ): T | Promise<T> {
    this.calls.push(call);
    const behaviour = this.#take(call.hook);
    inspect?.(behaviour);
    const watch = behaviour.ignoreSignal === true ? undefined : signal;
    const waits = (behaviour.delay ?? 0) > 0 || behaviour.gate !== undefined;
    if (!waits && (behaviour.sync ?? this.#sync)) {
      if (watch?.aborted === true) {
        this.aborted.push({ ...call, reason: watch.reason });
        throw watch.reason;
      }
      if (behaviour.error !== undefined) throw behaviour.error;
      return succeed();
    }
    return this.#runAsync(call, behaviour, watch, succeed);
  }

  async #runAsync<T>(
    call: MockCall<E>,
    behaviour: MockBehaviour,
    signal: AbortSignal | undefined,
    succeed: () => T,
  ): Promise<T> {
    this.#active[call.hook]++;
    try {
      if (signal?.aborted === true) throw signal.reason;
      const delay = behaviour.delay ?? 0;
      if (delay > 0) await sleep(delay, signal);
      if (behaviour.gate !== undefined) await untilAborted(behaviour.gate, signal);
      if (isAborted(signal)) throw signal.reason;
      if (behaviour.error !== undefined) throw behaviour.error;
      return succeed();
    } catch (error) {
      if (signal?.aborted === true && error === signal.reason) {
        this.aborted.push({ ...call, reason: error });
      }
      throw error;
    } finally {
      this.#active[call.hook]--;
    }
  }
}

/** A function, so that TypeScript does not narrow `aborted` across awaits. */
function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function untilAborted<T>(promise: PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return Promise.resolve(promise);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
