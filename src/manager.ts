import { show } from './internal/show.ts';
/** What the pool hands to `create`, `dispose` and `checkAliveness`. */
export interface OperationContext {
  /**
   * Aborts when the operation's time budget runs out (`createTimeout`, `disposeTimeout`, the
   * acquirer's deadline for a check) or the pool is closed. A manager that honours it frees
   * whatever it was building at once.
   */
  readonly signal: AbortSignal;
}

/**
 * Opens, checks and closes connections of type `C` to endpoints of type `E`. Every method may
 * return a value or a promise. The pool calls `create` and `dispose` exactly once per connection
 * and never while another of these methods runs for the same connection.
 *
 * @example
 * ```ts
 * const manager: ConnectionManager<string, Client> = {
 *   create: (host, { signal }) => Client.connect(host, { signal }),
 *   dispose: (_host, client) => client.close(),
 * };
 * ```
 */
export interface ConnectionManager<E, C> {
  /** Opens a new connection to `endpoint`. Each returned connection must be a distinct value. */
  create(endpoint: E, context: OperationContext): C | Promise<C>;
  /** Closes `connection`. Errors and timeouts are reported as `disposeError` events, never thrown. */
  dispose(endpoint: E, connection: C, context: OperationContext): void | Promise<void>;
  /**
   * Called before an idle connection is reused (never for fresh ones or ones handed straight from
   * a release to a waiter). `false` makes the pool dispose it and try another.
   */
  checkAliveness?(
    endpoint: E,
    connection: C,
    context: OperationContext,
  ): boolean | Promise<boolean>;
  /** Called on every successful acquire, just before the acquirer gets the connection. */
  onAcquire?(endpoint: E, connection: C): void | Promise<void>;
  /** Called on every release, before the connection goes back to idle or to a waiter. */
  onRelease?(endpoint: E, connection: C): void | Promise<void>;
  /** Called after a connection found dead by `checkAliveness` has been disposed. */
  onConnectionDead?(endpoint: E, connection: C): void | Promise<void>;
}

/**
 * A convenient base for managers: subclasses implement `create` and `dispose`; every connection
 * is considered alive and the hooks do nothing unless overridden.
 *
 * @example
 * ```ts
 * class EchoManager extends BaseConnectionManager<readonly [string, number], Socket> {
 *   create([host, port]: readonly [string, number]) { return connect(port, host); }
 *   dispose(_ep: readonly [string, number], socket: Socket) { socket.end(); }
 * }
 * ```
 */
export abstract class BaseConnectionManager<E, C> implements ConnectionManager<E, C> {
  abstract create(endpoint: E, context: OperationContext): C | Promise<C>;
  abstract dispose(endpoint: E, connection: C, context: OperationContext): void | Promise<void>;

  /** @returns `true`: without a check of its own, every idle connection is reused. */
  checkAliveness(
    _endpoint: E,
    _connection: C,
    _context: OperationContext,
  ): boolean | Promise<boolean> {
    return true;
  }

  /** Does nothing by default. */
  onAcquire(_endpoint: E, _connection: C): void | Promise<void> {}

  /** Does nothing by default. */
  onRelease(_endpoint: E, _connection: C): void | Promise<void> {}

  /** Does nothing by default. */
  onConnectionDead(_endpoint: E, _connection: C): void | Promise<void> {}
}

const REQUIRED_METHODS = ['create', 'dispose'] as const;

/**
 * Checks that `manager` can serve a pool: an object with `create` and `dispose` methods.
 * @throws TypeError naming what it lacks.
 */
export function assertManager(manager: unknown): void {
  if (manager === null || (typeof manager !== 'object' && typeof manager !== 'function')) {
    throw new TypeError(
      `manager must be an object with create and dispose methods, received ${show(manager)}`,
    );
  }
  const missing = REQUIRED_METHODS.filter(
    (name) => typeof (manager as Record<string, unknown>)[name] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `manager must have ${missing.map((name) => `a ${name} method`).join(' and ')}; ` +
        `received ${show(manager)} without one`,
    );
  }
}
