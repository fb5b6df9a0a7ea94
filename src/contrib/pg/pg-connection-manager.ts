import pg from 'pg';
import { BaseConnectionManager, type OperationContext } from '../../index.ts';

/** What the manager knows of a client it created; updated from the client's own events. */
interface ClientState {
  /**
   * The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a
   * failed one; '?' from an ErrorResponse until the ReadyForQuery that follows it.
   */
  status: string;
  /** The socket has closed or errored: the client can never run a query again. */
  broken: boolean;
}

/**
 * A connection manager for PostgreSQL through [`pg`](https://node-postgres.com) (an optional peer
 * dependency: install it yourself). Endpoints are names (`'master'`, `'replica-1'`), each with its
 * own `pg.ClientConfig`; connections are connected `pg.Client`s.
 *
 * - `create` connects a new client; an abort (`createTimeout`, `close()`) destroys its socket.
 * - `checkAliveness` runs an empty query (one round trip). A client whose socket closed or errored
 *   while idle (e.g. `pg_terminate_backend`, a server restart) is dead without one.
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

  /**
   * @param config a `pg.ClientConfig` per endpoint name. The names are read once, here.
   * @throws TypeError when `config` is not an object of config objects, or names no endpoint.
   */
  constructor(config: Readonly<Record<K, pg.ClientConfig>>) {
    super();
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
    const client = new pg.Client(config);
    const state: ClientState = { status: 'I', broken: false };
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
    client.connection.on('readyForQuery', (message: { status: string }) => {
      state.status = message.status;
    });
    client.connection.on('errorMessage', () => {
      state.status = '?';
    });
    try {
      await untilAborted(client, signal, client.connect());
    } catch (error) {
      destroy(client); // a refused or failed login must not leave a socket behind
      throw error;
    }
    this.#states.set(client, state);
    return client;
  }

  /** Ends the client gracefully; an abort (`disposeTimeout`) destroys its socket. */
  async dispose(_endpoint: K, client: pg.Client, { signal }: OperationContext): Promise<void> {
    await untilAborted(client, signal, client.end());
  }

  /**
   * `false` when the client's socket has closed or errored or it is still inside a transaction;
   * otherwise the result of an empty query. An abort destroys the socket (a round trip cut short
   * leaves nothing to reuse) and rejects with `signal.reason`.
   */
  checkAliveness(_endpoint: K, client: pg.Client, { signal }: OperationContext): Promise<boolean> {
    const state = this.#states.get(client);
    if (state === undefined || state.broken || state.status !== 'I') return Promise.resolve(false);
    return untilAborted(client, signal, client.query('')).then(
      () => true,
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
    if (state === undefined || state.broken || state.status === 'I') return undefined;
    return client.query('ROLLBACK').then(
      () => undefined,
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

function destroy(client: pg.Client): void {
  client.connection.stream.destroy();
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
