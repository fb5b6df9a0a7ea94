import pg from 'pg';
import {
  ConnectionPool,
  ConnectionPoolClosedError,
  ConnectionPoolTimeoutError,
  type DisposeReason,
  type OperationContext,
  type PoolEvents,
} from '../../index.ts';
import { type ClientInternals, PgConnectionManager } from './pg-connection-manager.ts';
import { type PgPoolConfig, pgPoolOptions } from './pg-pool-options.ts';

/** The endpoint name of the pool a `PgPool` makes for itself. */
const OWN_ENDPOINT = 'default';

// pg-pool's messages, word for word: code written for pg.Pool may match on them.
const ENDED = 'Cannot use a pool after calling end on the pool';
const ENDED_TWICE = 'Called end on pool more than once';
const RELEASED_TWICE = 'Release called on client which has already been released to the pool.';
const QUEUE_TIMEOUT = 'timeout exceeded when trying to connect';
const CONNECT_TIMEOUT = 'Connection terminated due to connection timeout';
const FUNCTION_QUERY = 'Passing a function as the first parameter to pool.query is not supported';

/** What `log` is told when a client leaves, by the pool's reason. */
const REMOVED: Record<DisposeReason, string> = {
  idle: 'remove idle client',
  lifetime: 'remove expired client',
  maxUses: 'remove expended client',
  dead: 'remove dead client',
  discarded: 'remove client released with an error or unusable',
  evicted: 'remove client evicted for another endpoint',
  closed: 'remove client of an ended pool',
};

// biome-ignore lint/suspicious/noExplicitAny: pg's default row type.
type Row = any;
type Callback<T> = (error: Error | undefined, value?: T) => void;
/**
 * The callback of `pgPool.connect(callback)`, as pg's: an error, or the client and `done`, which
 * releases it (`done(error)` with a truthy error destroys it).
 */
export type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/** A `pg.Submittable` as pg's own (`pg.Query`, pg-cursor, pg-query-stream) are: an emitter. */
interface SubmittableQuery extends pg.Submittable {
  once(event: 'end', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  handleError(error: Error, connection?: unknown): void;
}

/** What pg-pool sets on itself that `@types/pg` leaves out. */
interface PgPoolInternals {
  readonly Client: new (config: pg.ClientConfig) => pg.Client;
  readonly Promise: PromiseConstructor;
  readonly log: (...messages: unknown[]) => void;
  ending: boolean;
  ended: boolean;
}

const NOOP = (): void => {};

/** Set by `pgPoolView` for the one `PgPool` construction that adopts an existing pool. */
let adopting: { pool: ConnectionPool<string, pg.Client>; endpoint: string } | undefined;

/**
 * A `PgPool` over `endpoint` of `pool` instead of a pool of its own (see `pgPoolView`).
 * @internal
 */
export function adoptPool(pool: ConnectionPool<string, pg.Client>, endpoint: string): PgPool {
  adopting = { pool, endpoint };
  try {
    return new PgPool();
  } finally {
    adopting = undefined;
  }
}

/** PgPool's own manager: pg's `onConnect` runs as part of each create. */
class PgPoolManager extends PgConnectionManager<string> {
  readonly #onConnect: ((client: pg.Client) => unknown) | undefined;

  constructor(
    config: pg.ClientConfig,
    Client: PgPoolInternals['Client'],
    pingAfterIdle: number | undefined,
    onConnect: ((client: pg.Client) => unknown) | undefined,
  ) {
    super({ [OWN_ENDPOINT]: config }, { Client, pingAfterIdle });
    this.#onConnect = onConnect;
  }

  override async create(endpoint: string, context: OperationContext): Promise<pg.Client> {
    const client = await super.create(endpoint, context);
    if (this.#onConnect !== undefined) {
      try {
        await this.#onConnect(client);
      } catch (error) {
        await this.dispose(endpoint, client, context).catch(NOOP);
        throw error;
      }
    }
    return client;
  }
}

/**
 * A drop-in `pg.Pool` (it `extends pg.Pool`) backed by a {@link ConnectionPool}: the same
 * constructor options with pg's meanings and defaults, `connect`, `query` and `end` in promise and
 * callback form, `client.release(err?)`, the counters, the events (`connect`, `acquire`,
 * `release`, `remove`, `error`) with pg's arguments and order, and pg's error messages, with the
 * pool's own error as `cause`. What this library does beyond pg is in the `pool` option and in
 * {@link PgPool.pool}. For one endpoint of a shared keyed pool, see `pgPoolView`.
 *
 * @example
 * ```ts
 * const pool = new PgPool({ host: 'db.local', max: 20, pool: { leakDetectionThreshold: 10_000 } });
 * const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
 * ```
 */
export class PgPool extends pg.Pool {
  /** The `ConnectionPool` behind it: its own, or the shared one of a view. */
  readonly pool: ConnectionPool<string, pg.Client>;
  /** The endpoint of {@link PgPool.pool} it serves (`'default'` in its own pool). */
  readonly endpoint: string;
  /** Whether `pool` is its own (closed by `end()`) rather than a shared one. */
  readonly #owned: boolean;
  /** Connects whose acquire has not settled: `end()` lets them finish. */
  #pending = 0;
  /** Clients handed out through this pool and not yet released. */
  readonly #held = new Set<pg.Client>();
  /** Clients created but not yet handed out through this pool (for `verify`). */
  readonly #fresh = new WeakSet<pg.Client>();
  /** The `'error'` listener on each client of its endpoint, which acts while the client is idle. */
  readonly #watched = new Map<pg.Client, (error: Error) => void>();
  readonly #createdAt = new WeakMap<pg.Client, number>();
  /** Set while `end()` waits; called once when it may finish. */
  #finishEnd: (() => void) | undefined = undefined;
  readonly #onCreate = ({
    endpoint,
    connection,
  }: PoolEvents<string, pg.Client>['create']): void => {
    if (endpoint !== this.endpoint) return;
    this.#createdAt.set(connection, performance.now());
    this.#fresh.add(connection);
    // Until handed out: a client that goes idle straight away must not hold the process either.
    if (this.options.allowExitOnIdle) (connection as ClientInternals).unref?.();
    const listener = (error: Error): void => this.#idleError(connection, error);
    connection.on('error', listener);
    this.#watched.set(connection, listener);
    this.#pg.log('new client connected');
    this.emit('connect', connection);
  };
  readonly #onCreateError = ({ endpoint, error }: PoolEvents<string, pg.Client>['createError']) => {
    if (endpoint === this.endpoint) this.#pg.log('client failed to connect', error);
  };
  readonly #onDispose = (event: PoolEvents<string, pg.Client>['dispose']): void => {
    if (event.endpoint !== this.endpoint) return;
    const client = event.connection;
    const listener = this.#watched.get(client);
    if (listener !== undefined) client.removeListener('error', listener);
    this.#watched.delete(client);
    this.#pg.log(REMOVED[event.reason]);
    // pg emits 'remove' once the client has ended.
    const { connection, _ended } = client as ClientInternals;
    if (connection === undefined || _ended === true) this.emit('remove', client);
    else connection.once('end', () => this.emit('remove', client));
  };

  /**
   * @param config `pg.Pool`'s options (passed to each client, as pg does), plus `pool` and
   *   `pingAfterIdle`; see {@link PgPoolConfig}.
   * @throws TypeError or RangeError when an option of the `pool` option is invalid.
   */
  constructor(config: PgPoolConfig = {}) {
    const { pool: overrides, pingAfterIdle, ...pgConfig } = config;
    super(pgConfig);
    const view = adopting;
    adopting = undefined;
    if (view !== undefined) {
      this.pool = view.pool;
      this.endpoint = view.endpoint;
      this.#owned = false;
      Object.assign(this.options, {
        max: view.pool.maxSize,
        min: view.pool.minIdle,
        idleTimeoutMillis: view.pool.idleTimeout,
      });
    } else {
      const manager = new PgPoolManager(
        this.options,
        this.#pg.Client,
        pingAfterIdle,
        this.options.onConnect,
      );
      this.pool = new ConnectionPool<string, pg.Client>(
        manager,
        pgPoolOptions(this.options, overrides),
      );
      this.endpoint = OWN_ENDPOINT;
      this.#owned = true;
    }
    this.pool.on('create', this.#onCreate);
    this.pool.on('createError', this.#onCreateError);
    this.pool.on('dispose', this.#onDispose);
  }

  static {
    // pg-pool defines the counters as getters and @types/pg as fields; TypeScript lets no getter
    // override a field, so they are defined here.
    const getters: Record<string, (this: PgPool) => number> = {
      /** Clients of its endpoint: idle, in use and connecting. */
      totalCount() {
        return this.pool.getEndpointPoolSize(this.endpoint);
      },
      /** Idle clients of its endpoint. */
      idleCount() {
        return this.pool.getEndpointPoolSize(this.endpoint, false);
      },
      /** Connects queued for a client, not counting those a connecting client will serve. */
      waitingCount() {
        const stats = this.pool.stats().endpoints.find((e) => e.endpoint === this.endpoint);
        return stats === undefined ? 0 : Math.max(0, stats.waiting - stats.creating);
      },
      /** Clients in use through this pool past their lifetime: each is removed at its release. */
      expiredCount() {
        const lifetime = this.pool.maxLifetime;
        const t = performance.now();
        let expired = 0;
        for (const client of this.#held) {
          if (t - (this.#createdAt.get(client) ?? t) >= lifetime) expired++;
        }
        return expired;
      },
    };
    for (const [name, get] of Object.entries(getters)) {
      Object.defineProperty(PgPool.prototype, name, { get, configurable: true });
    }
  }

  /**
   * Checks a client out: an idle one, a new one, or one released by another user, in arrival
   * order. Release it with `client.release()`; `client.release(error)` (any truthy argument)
   * destroys it instead.
   *
   * @throws pg's `'timeout exceeded when trying to connect'` or `'Connection terminated due to
   *   connection timeout'` after `connectionTimeoutMillis`, `'Cannot use a pool after calling end
   *   on the pool'` once ending (each with the pool's error as `cause`); a connect error or an
   *   `onConnect`/`verify` error as it is.
   */
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    if (this.ending) {
      const error = new Error(ENDED);
      if (callback === undefined) return this.#pg.Promise.reject(error);
      callback(error, undefined, NOOP);
      return undefined;
    }
    const checkout = this.#checkout();
    if (callback === undefined) return this.#promise(checkout);
    checkout.then(
      (client) => callback(undefined, client, client.release as (release?: unknown) => void),
      (error: Error) => callback(error, undefined, NOOP),
    );
    return undefined;
  }

  /**
   * Runs one query on a client of its own, released afterwards, as pg does: `(text)`,
   * `(text, values)`, `(config)`, each with an optional callback. A failed query destroys its
   * client (pg releases it with the error). A Submittable (`pg.Query`, a cursor, a stream) is
   * returned at once and submitted on a client of its own, released at its `'end'` (destroyed at
   * its `'error'`).
   */
  override query<T extends pg.Submittable>(queryStream: T): T;
  override query<R extends unknown[] = unknown[], I = unknown[]>(
    queryConfig: pg.QueryArrayConfig<I>,
    values?: pg.QueryConfigValues<I>,
  ): Promise<pg.QueryArrayResult<R>>;
  override query<R extends pg.QueryResultRow = Row, I = unknown[]>(
    queryConfig: pg.QueryConfig<I>,
  ): Promise<pg.QueryResult<R>>;
  override query<R extends pg.QueryResultRow = Row, I = unknown[]>(
    queryTextOrConfig: string | pg.QueryConfig<I>,
    values?: pg.QueryConfigValues<I>,
  ): Promise<pg.QueryResult<R>>;
  override query<R extends unknown[] = unknown[], I = unknown[]>(
    queryConfig: pg.QueryArrayConfig<I>,
    callback: (err: Error, result: pg.QueryArrayResult<R>) => void,
  ): void;
  override query<R extends pg.QueryResultRow = Row, I = unknown[]>(
    queryTextOrConfig: string | pg.QueryConfig<I>,
    callback: (err: Error, result: pg.QueryResult<R>) => void,
  ): void;
  override query<R extends pg.QueryResultRow = Row, I = unknown[]>(
    queryText: string,
    values: pg.QueryConfigValues<I>,
    callback: (err: Error, result: pg.QueryResult<R>) => void,
  ): void;
  // biome-ignore lint/suspicious/noExplicitAny: the implementation of pg.Pool's overloads above.
  override query(text: any, values?: any, callback?: any): any {
    if (typeof text === 'function') {
      const done = text as Callback<never>;
      setImmediate(() => done(new Error(FUNCTION_QUERY)));
      return undefined;
    }
    let cb = callback as Callback<pg.QueryResult> | undefined;
    let args = values as unknown[] | undefined;
    if (typeof values === 'function') {
      cb = values as Callback<pg.QueryResult>;
      args = undefined;
    }
    if (text !== null && typeof text === 'object' && typeof text.submit === 'function') {
      return this.#submit(text as SubmittableQuery);
    }
    const result = this.#run(text, args);
    if (cb === undefined) return this.#promise(result);
    const done = cb;
    result.then(
      (res) => done(undefined, res),
      (error: Error) => done(error),
    );
    return undefined;
  }

  /**
   * Ends the pool: new connects reject, connects already under way finish and serve their
   * callers, and it resolves once every client checked out through it is released and (for its
   * own pool) every client has ended. A view (`pgPoolView`) ends only itself: its clients go back
   * to the shared pool, which goes on serving.
   *
   * @throws `'Called end on pool more than once'` on a second call.
   */
  override end(): Promise<void>;
  override end(callback: () => void): void;
  override end(callback?: (error?: Error) => void): Promise<void> | undefined {
    this.#pg.log('ending');
    if (this.ending) {
      const error = new Error(ENDED_TWICE);
      if (callback === undefined) return this.#pg.Promise.reject(error);
      callback(error);
      return undefined;
    }
    this.#pg.ending = true;
    const ended = new Promise<void>((resolve) => {
      this.#finishEnd = resolve;
    });
    this.#maybeEnd();
    if (callback === undefined) return this.#promise(ended);
    ended.then(() => callback());
    return undefined;
  }

  get #pg(): PgPoolInternals {
    return this as unknown as PgPoolInternals;
  }

  /** A promise of the `Promise` class pg was given (the global one by default). */
  #promise<T>(promise: Promise<T>): Promise<T> {
    const P = this.#pg.Promise;
    return P === Promise ? promise : new P<T>((resolve, reject) => promise.then(resolve, reject));
  }

  #checkout(): Promise<pg.PoolClient> {
    // pg's message for a timeout tells a connect it started from a wait in the queue.
    const creates = this.idleCount === 0 && this.totalCount < this.pool.maxSize;
    this.#pending++;
    return this.#acquire(performance.now(), undefined, creates);
  }

  /**
   * Acquires from the endpoint for a checkout. A connect's time in pg is its own: when a create
   * that this acquire came to wait for (started for a connect that gave up) runs out of
   * `createTimeout` before this connect's `connectionTimeoutMillis`, it acquires again for the
   * time left. A view's connects have the shared pool's `acquireTimeout`, which the pool keeps.
   */
  #acquire(
    startedAt: number,
    timeout: number | undefined,
    creates: boolean,
  ): Promise<pg.PoolClient> {
    const options = timeout === undefined ? undefined : { timeout };
    return this.pool.acquire(this.endpoint, options).then(
      (client) => {
        this.#pending--;
        return this.#handOut(client);
      },
      (error: unknown) => {
        const limit = this.#owned ? this.options.connectionTimeoutMillis : undefined;
        const left = (limit || 0) - (performance.now() - startedAt);
        if (error instanceof ConnectionPoolTimeoutError && left > 0 && !this.ending) {
          return this.#acquire(startedAt, left, creates);
        }
        this.#pending--;
        this.#maybeEnd();
        throw this.#pgError(error, creates);
      },
    );
  }

  #pgError(error: unknown, created: boolean): unknown {
    if (error instanceof ConnectionPoolClosedError) return new Error(ENDED, { cause: error });
    if (error instanceof ConnectionPoolTimeoutError) {
      return new Error(created ? CONNECT_TIMEOUT : QUEUE_TIMEOUT, { cause: error });
    }
    return error;
  }

  #handOut(connection: pg.Client): pg.PoolClient | Promise<pg.PoolClient> {
    const client = connection as pg.PoolClient;
    const fresh = this.#fresh.delete(client);
    this.#held.add(client);
    if (this.options.allowExitOnIdle) (client as ClientInternals).ref?.();
    client.release = this.#releaser(client);
    this.emit('acquire', client);
    const verify = this.options.verify;
    if (!fresh || verify === undefined) return client;
    return new Promise((resolve, reject) => {
      verify(client, (error) => {
        if (error) {
          client.release(error);
          reject(error);
        } else resolve(client);
      });
    });
  }

  /** `client.release` for one checkout: synchronous, and a second call throws. */
  #releaser(client: pg.Client): (error?: Error | boolean) => void {
    let released = false;
    return (error?: Error | boolean): void => {
      if (released) throw new Error(RELEASED_TWICE);
      released = true;
      this.#held.delete(client);
      this.emit('release', error, client);
      const { _queryable, _ending } = client as ClientInternals;
      if (error || (this.ending && this.#owned) || _queryable === false || _ending === true) {
        this.pool.discard(client, error).catch(NOOP);
      } else {
        if (this.options.allowExitOnIdle) (client as ClientInternals).unref?.();
        this.pool.release(client).catch((e: unknown) => this.#pg.log('release failed', e));
      }
      this.#maybeEnd();
    };
  }

  /**
   * Submits `query` on a client of its own, released at the query's `'end'` (with the error at its
   * `'error'`); a failed checkout is the query's error. Returns `query` at once, as pg's types say.
   */
  #submit(query: SubmittableQuery): SubmittableQuery {
    this.#checkout().then(
      (client) => {
        let released = false;
        const release = (error?: Error): void => {
          if (released) return;
          released = true;
          client.release(error);
        };
        query.once('end', () => release());
        query.once('error', (error: Error) => release(error));
        client.query(query);
      },
      (error: Error) => query.handleError(error),
    );
    return query;
  }

  async #run(text: unknown, values: unknown[] | undefined): Promise<pg.QueryResult> {
    const client = await this.#checkout();
    this.#pg.log('dispatching query');
    let result: pg.QueryResult;
    try {
      result = await client.query(text as string, values);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    this.#pg.log('query dispatched');
    client.release();
    return result;
  }

  /** An idle client errored: pg drops it at once and tells the pool's `'error'` listeners. */
  #idleError(client: pg.Client, error: Error): void {
    if (!this.pool.disposeIdle(client, error)) return; // in use: its user hears of it
    (error as Error & { client?: pg.Client }).client = client;
    this.emit('error', error, client);
  }

  /** Finishes `end()` once nothing it waits for is left. */
  #maybeEnd(): void {
    const finish = this.#finishEnd;
    if (finish === undefined || this.#pending > 0 || (!this.#owned && this.#held.size > 0)) return;
    this.#finishEnd = undefined;
    const closed = this.#owned ? this.pool.close() : Promise.resolve();
    closed.then(() => {
      this.pool.off('create', this.#onCreate);
      this.pool.off('createError', this.#onCreateError);
      this.pool.off('dispose', this.#onDispose);
      for (const [client, listener] of this.#watched) client.removeListener('error', listener);
      this.#watched.clear();
      this.#pg.ended = true;
      finish();
    });
  }
}
