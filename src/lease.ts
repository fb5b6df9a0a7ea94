/**
 * A connection held for a scope: `await using lease = await pool.lease(endpoint)` releases it when
 * the scope ends. `release` and `discard` act once; later calls do nothing and resolve.
 *
 * @example
 * ```ts
 * await using lease = await pool.lease(['127.0.0.1', 6379]);
 * lease.connection.write('PING\r\n');
 * ```
 */
export interface Lease<E, C> {
  readonly connection: C;
  readonly endpoint: E;
  /** Releases the connection to the pool (the first call only). */
  release(): Promise<void>;
  /** Disposes the connection instead of releasing it (the first call only). */
  discard(reason?: unknown): Promise<void>;
  /** `release()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The part of the pool a lease needs. */
interface Returnable<C> {
  release(connection: C): Promise<void>;
  discard(connection: C, reason?: unknown): Promise<void>;
}

export class PoolLease<E, C> implements Lease<E, C> {
  readonly connection: C;
  readonly endpoint: E;
  readonly #pool: Returnable<C>;
  #returned = false;

  constructor(pool: Returnable<C>, endpoint: E, connection: C) {
    this.#pool = pool;
    this.endpoint = endpoint;
    this.connection = connection;
  }

  release(): Promise<void> {
    if (this.#returned) return Promise.resolve();
    this.#returned = true;
    return this.#pool.release(this.connection);
  }

  discard(reason?: unknown): Promise<void> {
    if (this.#returned) return Promise.resolve();
    this.#returned = true;
    return this.#pool.discard(this.connection, reason);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}
