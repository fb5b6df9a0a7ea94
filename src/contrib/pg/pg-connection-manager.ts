import type { Duplex } from 'node:stream';
import pg from 'pg';
import { BaseConnectionManager, type OperationContext } from '../../index.ts';

/** A `pg.Client` class: `pg.Client` itself, a subclass, or `pg.native.Client`. */
export type PgClientClass = new (config: pg.ClientConfig) => pg.Client;

/** Options of a {@link PgConnectionManager}. */
export interface PgConnectionManagerOptions {
  /**
   * The client class the manager instantiates: a `pg.Client` subclass, `pg.native.Client`, or
   * any class with `pg.Client`'s `connect(callback)`, `query` and `end`.
   * @default pg.Client
   */
  Client?: PgClientClass | undefined;
  /**
   * Milliseconds: `checkAliveness` spends a round trip (an empty query) only on a client that has
   * been quiet (neither released nor checked) at least this long. A younger one is alive unless
   * what the client already knows says otherwise (its socket closed or errored, a transaction
   * left open): no round trip, so a busy pool reuses clients as fast as `pg.Pool`, which never
   * checks. `0` checks every reuse with a round trip. With `keepAliveInterval`, set this at most
   * that interval, or the background sweeps find every client younger than this.
   * @default 5_000
   */
  pingAfterIdle?: number | undefined;
}

/** What is read of a client beyond `pg.Client`'s typed surface (all present in pg 8; absent in other client classes). */
export interface ClientInternals {
  readonly connection?: {
    readonly stream?: Duplex;
    on(event: string, listener: never): void;
    once(event: 'end', listener: () => void): void;
  };
  readonly _queryable?: boolean;
  readonly _ending?: boolean;
  readonly _ended?: boolean;
  ref?(): void;
  unref?(): void;
}

/** What the manager knows of a client it created; updated from the client's own events. */
interface ClientState {
  /**
   * The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a
   * failed one; '?' from an ErrorResponse until the ReadyForQuery that follows it.
   */
  status: string;
  /** The socket has closed or errored: the client can never run a query again. */
  broken: boolean;
  /** `performance.now()` when the client was last released, checked or connected. */
  quietSince: number;
}

/**
 * A connection manager for PostgreSQL through [`pg`](https://node-postgres.com) (an optional peer
 * dependency: install it yourself). Endpoints are names (`'master'`, `'replica-1'`), each with its
 * own `pg.ClientConfig`; connections are connected `pg.Client`s.
 *
 * - `create` connects a new client; an abort (`createTimeout`, `close()`) destroys its socket.
 * - `checkAliveness` finds a client whose socket closed or errored while idle (e.g.
 *   `pg_terminate_backend`, a server restart) dead without a round trip, and runs an empty query
 *   (one round trip) only on a client quiet for `pingAfterIdle` (default 5 s) or longer.
 * - `onRelease` rolls back a transaction left open (or failed), so the next user never inherits
 *   it. The status comes from the protocol's ReadyForQuery messages, so release a client only once
 *   its queries have settled. If the rollback fails, the client is closed and `release` rejects.
 * - Idle clients have an `'error'` listener: a backend that dies never crashes the process.
 * - Session state other than the transaction (`SET`, temporary tables, `LISTEN`, prepared
 *   statements) stays with the connection, as in `pg.Pool`.
 *
 * @typeParam K the endpoint names, inferred from `config`.
 * @example
 * ```ts
 * const pool = new ConnectionPool(
 *   new PgConnectionManager({
 *     master: { host: 'db-master.local', user: 'app', password, database: 'app' },
 *     'replica-1': { host: 'db-replica-1.local', user: 'app', password, database: 'app' },
 *   }),
 *   { maxSize: 10, totalMaxSize: 15 },
 * );
 * const { rows } = await pool.connection('replica-1', (client) => client.query('SELECT now()'));
 * ```
 */
export class PgConnectionManager<K extends string = string> extends BaseConnectionManager<
  K,
  pg.Client
> {
  readonly #config = new Map<string, pg.ClientConfig>();
  readonly #states = new WeakMap<pg.Client, ClientState>();
  readonly #Client: PgClientClass;
  readonly #pingAfterIdle: number;

  /**
   * @param config a `pg.ClientConfig` per endpoint name. The names are read once, here.
   * @param options the client class and when a check spends a round trip.
   * @throws TypeError when `config` is not an object of config objects, or names no endpoint, or
   *   an option has the wrong type; RangeError when `pingAfterIdle` is negative.
   */
  constructor(
    config: Readonly<Record<K, pg.ClientConfig>>,
    options: PgConnectionManagerOptions = {},
  ) {
    super();
    const { Client = pg.Client, pingAfterIdle = 5_000 } = options;
    if (typeof Client !== 'function') {
      throw new TypeError(`PgConnectionManager: Client must be a class, got ${kind(Client)}`);
    }
    this.#Client = Client;
    if (typeof pingAfterIdle !== 'number') {
      throw new TypeError(
        `PgConnectionManager: pingAfterIdle must be a number of milliseconds, got ${kind(pingAfterIdle)}`,
      );
    }
    if (!(pingAfterIdle >= 0)) {
      throw new RangeError(
        `PgConnectionManager: pingAfterIdle must be at least 0 milliseconds, got ${pingAfterIdle}`,
      );
    }
    this.#pingAfterIdle = pingAfterIdle;
    if (!isPlainObject(config)) {
      throw new TypeError(
        `PgConnectionManager: config must be an object of pg.ClientConfig by endpoint name, got ${kind(config)}`,
      );
    }
    for (const [name, clientConfig] of Object.entries<unknown>(config)) {
      if (!isPlainObject(clientConfig)) {
        throw new TypeError(
          `PgConnectionManager: config[${JSON.stringify(name)}] must be a pg.ClientConfig object (a URL goes in { connectionString }), got ${kind(clientConfig)}`,
        );
      }
      this.#config.set(name, clientConfig);
    }
    if (this.#config.size === 0) {
      throw new TypeError('PgConnectionManager: config names no endpoint');
    }
  }

  /**
   * Connects a new client to `endpoint`.
   *
   * @throws RangeError when `endpoint` is not a name in the config; the connect error of `pg`
   *   (bad credentials, refused, ...); `signal.reason` when aborted (the socket is destroyed).
   */
  async create(endpoint: K, { signal }: OperationContext): Promise<pg.Client> {
    const config = this.#configOf(endpoint);
    signal.throwIfAborted();
    const client = new this.#Client(config);
    const state: ClientState = { status: 'I', broken: false, quietSince: 0 };
    const broken = (): void => {
      state.broken = true;
    };
    // Without an 'error' listener, a backend that dies while the client is idle would be an
    // uncaught exception. The socket errors are also what marks the client dead.
    client.on('error', broken);
    client.on('end', broken);
    // Registered before pg's own listeners, so the status is current when a query resolves. A
    // query rejects at its ErrorResponse, before the ReadyForQuery that tells what the error did
    // to the transaction: until then the status is unknown.
    // (A client without pg's Connection, such as pg.native's, is never rolled back.)
    const connection = (client as ClientInternals).connection;
    connection?.on('readyForQuery', ((message: { status: string }) => {
      state.status = message.status;
    }) as never);
    connection?.on('errorMessage', (() => {
      state.status = '?';
    }) as never);
    try {
      // The callback form: every client class pg.Pool accepts has it.
      const connected = new Promise<void>((resolve, reject) => {
        client.connect((error: Error | undefined) => (error ? reject(error) : resolve()));
      });
      await untilAborted(client, signal, connected);
    } catch (error) {
      destroy(client); // a refused or failed login must not leave a socket behind
      throw error;
    }
    state.quietSince = performance.now();
    this.#states.set(client, state);
    return client;
  }

  /** Ends the client gracefully; an abort (`disposeTimeout`) destroys its socket. */
  async dispose(_endpoint: K, client: pg.Client, { signal }: OperationContext): Promise<void> {
    await untilAborted(client, signal, client.end());
  }

  /**
   * `false` at once when the client's socket has closed, ended or errored, the client is ending,
   * or it is still inside a transaction; `true` at once when it has been quiet less than
   * `pingAfterIdle`; otherwise the result of an empty query. An abort of that round trip destroys
   * the socket (a round trip cut short leaves nothing to reuse) and rejects with `signal.reason`.
   * The signal is read only for that round trip: a pool makes an `AbortController` (several
   * microseconds in Node.js) only for a check that reads it.
   */
  checkAliveness(
    _endpoint: K,
    client: pg.Client,
    context: OperationContext,
  ): boolean | Promise<boolean> {
    const state = this.#states.get(client);
    if (state === undefined || !usable(client, state)) return false;
    if (performance.now() - state.quietSince < this.#pingAfterIdle) return true;
    const { signal } = context;
    return untilAborted(client, signal, client.query('')).then(
      () => {
        state.quietSince = performance.now();
        return true;
      },
      (error: unknown) => {
        if (signal.aborted) throw error;
        return false;
      },
    );
  }

  /**
   * Rolls back a transaction the user left open or failed, so that it never reaches the next
   * user; also after an error whose effect on the transaction is not known yet (a `ROLLBACK`
   * outside a transaction only draws a warning). If that fails the client is closed (it is never
   * reused) and the error rejects `release`.
   */
  onRelease(endpoint: K, client: pg.Client): Promise<void> | undefined {
    const state = this.#states.get(client);
    if (state === undefined) return undefined;
    state.quietSince = performance.now();
    if (state.broken || state.status === 'I') return undefined;
    return client.query('ROLLBACK').then(
      () => {
        state.quietSince = performance.now();
      },
      (error: unknown) => {
        destroy(client);
        throw new Error(
          `PgConnectionManager: could not roll back the transaction left open on a connection ` +
            `to endpoint ${JSON.stringify(endpoint)}; the connection was closed`,
          { cause: error },
        );
      },
    );
  }

  #configOf(endpoint: K): pg.ClientConfig {
    const config = this.#config.get(endpoint);
    if (config === undefined) {
      const known = [...this.#config.keys()].map((name) => JSON.stringify(name)).join(', ');
      throw new RangeError(
        `PgConnectionManager: unknown endpoint ${String(JSON.stringify(endpoint))}; the config names ${known}`,
      );
    }
    return config;
  }
}

/**
 * Settles as `operation` does, but an abort of `signal` (also one that happened before) destroys
 * the client's socket at once, which makes `operation` finish; a rejection then becomes
 * `signal.reason`.
 */
async function untilAborted<T>(
  client: pg.Client,
  signal: AbortSignal,
  operation: Promise<T>,
): Promise<T> {
  const abort = (): void => destroy(client);
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  try {
    return await operation;
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/** Whether nothing the client already knows rules out reusing it (no I/O). */
function usable(client: pg.Client, state: ClientState): boolean {
  if (state.broken || state.status !== 'I') return false;
  const { _queryable, _ending, connection } = client as ClientInternals;
  if (_queryable === false || _ending === true) return false;
  const stream = connection?.stream;
  // A FIN already read or a socket already destroyed, before pg has turned it into an event.
  return stream === undefined || !(stream.destroyed || stream.readableEnded || !stream.writable);
}

/** Cuts the client's socket at once (a client without pg's Connection is ended instead). */
function destroy(client: pg.Client): void {
  const stream = (client as ClientInternals).connection?.stream;
  if (stream !== undefined) stream.destroy();
  else client.end().catch(() => undefined);
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
