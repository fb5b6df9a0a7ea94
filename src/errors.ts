/**
 * Base class of every error the pool itself throws. Errors raised by the connection manager and
 * the `reason` of an aborted signal pass through unchanged and are not wrapped.
 *
 * @example
 * ```ts
 * try { await pool.acquire('db') } catch (e) {
 *   if (e instanceof ConnectionPoolError) console.log(e.code);
 * }
 * ```
 */
export class ConnectionPoolError extends Error {
  /**
   * Stable machine-readable code, one per subclass: a misspelt code in a comparison does not
   * compile, and `instanceof` a subclass narrows it to that subclass's code.
   *
   * @example
   * ```ts
   * if (e instanceof ConnectionPoolError && e.code === 'ERR_POOL_TIMEOUT') retryLater();
   * ```
   */
  readonly code:
    | 'ERR_POOL_CLOSED'
    | 'ERR_POOL_TIMEOUT'
    | 'ERR_POOL_NOT_ACQUIRED'
    | 'ERR_POOL_QUEUE_FULL'
    | 'ERR_POOL_ENDPOINT_UNAVAILABLE'
    | 'ERR_POOL_BUDGET_EXHAUSTED'
    | 'ERR_POOL_BUDGET_UNAVAILABLE';

  constructor(code: ConnectionPoolError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `acquire` on a closed pool, or an acquire still waiting when `close()` was called. */
export class ConnectionPoolClosedError extends ConnectionPoolError {
  /** Always `'ERR_POOL_CLOSED'`. */
  declare readonly code: 'ERR_POOL_CLOSED';

  constructor(message: string) {
    super('ERR_POOL_CLOSED', message);
  }
}

/**
 * An `acquire` ran out of its `timeout`, or one `create` ran out of `createTimeout`.
 * `cause` is the last `create` or aliveness-check error seen while waiting, if any.
 */
export class ConnectionPoolTimeoutError extends ConnectionPoolError {
  /** Always `'ERR_POOL_TIMEOUT'`. */
  declare readonly code: 'ERR_POOL_TIMEOUT';

  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_POOL_TIMEOUT', message, options);
  }
}

/** `release` or `discard` of a connection that is not currently acquired from this pool. */
export class ConnectionNotAcquiredError extends ConnectionPoolError {
  /** Always `'ERR_POOL_NOT_ACQUIRED'`. */
  declare readonly code: 'ERR_POOL_NOT_ACQUIRED';

  constructor(message: string) {
    super('ERR_POOL_NOT_ACQUIRED', message);
  }
}

/**
 * An `acquire` would have had to wait behind `maxWaiters` others of its endpoint. The pool's state
 * is unchanged.
 */
export class ConnectionPoolQueueFullError extends ConnectionPoolError {
  /** Always `'ERR_POOL_QUEUE_FULL'`. */
  declare readonly code: 'ERR_POOL_QUEUE_FULL';

  constructor(message: string) {
    super('ERR_POOL_QUEUE_FULL', message);
  }
}

/**
 * The endpoint's last `create` failed and its next one waits for `createRetryDelay` (backoff):
 * until then, acquirers that no idle connection can serve fail at once. `cause` is the last
 * `create` error.
 */
export class EndpointUnavailableError extends ConnectionPoolError {
  /** Always `'ERR_POOL_ENDPOINT_UNAVAILABLE'`. */
  declare readonly code: 'ERR_POOL_ENDPOINT_UNAVAILABLE';

  constructor(message: string, options: { cause: unknown }) {
    super('ERR_POOL_ENDPOINT_UNAVAILABLE', message, options);
  }
}

/**
 * The connection budget of an endpoint is full across the fleet: every slot is held, by this
 * process or others. The `cause` of the `ConnectionPoolTimeoutError` of an acquire that waited for
 * budget until its deadline.
 */
export class ConnectionBudgetExhaustedError extends ConnectionPoolError {
  /** Always `'ERR_POOL_BUDGET_EXHAUSTED'`. */
  declare readonly code: 'ERR_POOL_BUDGET_EXHAUSTED';

  constructor(message: string) {
    super('ERR_POOL_BUDGET_EXHAUSTED', message);
  }
}

/**
 * The engine that keeps the connection budget could not be reached: a create fails with this
 * error (its `cause` is the engine's), while connections already held keep serving.
 */
export class ConnectionBudgetUnavailableError extends ConnectionPoolError {
  /** Always `'ERR_POOL_BUDGET_UNAVAILABLE'`. */
  declare readonly code: 'ERR_POOL_BUDGET_UNAVAILABLE';

  constructor(message: string, options: { cause: unknown }) {
    super('ERR_POOL_BUDGET_UNAVAILABLE', message, options);
  }
}
