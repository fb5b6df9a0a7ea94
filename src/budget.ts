/**
 * A connection budget: a limit on connections per endpoint across every process that uses it, kept
 * on an engine the processes share (a database, Redis), not by a coordinator of this library.
 */

/** What the pool hands a budget with each claim. */
export interface BudgetClaimContext {
  /** Aborts when the create's `createTimeout` runs out or the pool is closed. */
  readonly signal: AbortSignal;
  /**
   * Call when the slot this claim took is lost later (a lease expired, the engine forgot it): the
   * pool retires the connection, disposing it as soon as it is not in use. Calling it more than
   * once, or after the connection is gone, does nothing.
   */
  lost(): void;
}

/**
 * A limit on connections per endpoint shared by many processes (the `budget` option of a
 * `ConnectionPool`). Implement it for an engine; `PgFleetBudget` of `contrib/pg` keeps it in
 * PostgreSQL.
 *
 * What the pool calls, and when:
 * - `limit(endpoint)`: when an endpoint is first used, for `stats()`, errors and metrics. Throw a
 *   RangeError for an endpoint the budget has no limit for: the acquire rejects with it.
 * - `claim(endpoint, connection, context)`: once for each connection the pool creates, right after
 *   `create` succeeded and before anyone uses it, bounded by the create's `createTimeout`. Resolve
 *   `true` when the connection now holds a slot, `false` when the budget is full (the pool then
 *   disposes the connection, and the acquirer waits for room as it waits under `totalMaxSize`);
 *   throw or reject when the engine cannot be reached (the create fails with a
 *   `ConnectionBudgetUnavailableError` whose `cause` is your error; the connection is disposed).
 *   The pool never has more than one claim in flight per endpoint while the budget is full.
 * - `release(endpoint, connection)`: once for each connection that holds a slot, when the pool
 *   lets it go, before `dispose`. Errors are ignored: a slot must also come back on its own when
 *   its connection or process dies.
 * - `scope(endpoint)` (optional): when an endpoint is first used.
 * - `watch(endpoint, onRoom)` (optional): while acquirers wait for budget at `endpoint`; call
 *   `onRoom` when room may have come back anywhere in the fleet. The pool calls the function it
 *   returns when nobody waits any more.
 * Never on the acquire or release of an idle connection.
 *
 * While acquirers wait for budget and the engine has no `watch`, the pool tries one create (a
 * *probe*) every `pollInterval` ms, jittered by up to half of it, so that room freed anywhere is
 * used within about a second.
 *
 * @typeParam E the pool's endpoint type.
 * @typeParam C the pool's connection type.
 * @example
 * ```ts
 * const budget: ConnectionBudget<string, Client> = {
 *   limit: () => 20,
 *   claim: (endpoint, client) => takeSlot(endpoint, client),
 *   release: (endpoint, client) => giveSlotBack(endpoint, client),
 * };
 * const pool = new ConnectionPool(manager, { budget });
 * ```
 */
export interface ConnectionBudget<E, C> {
  /** The most connections all processes together may hold to `endpoint`. */
  limit(endpoint: E): number;
  /** Takes a slot for the freshly created `connection`: `false` when the budget is full. */
  claim(endpoint: E, connection: C, context: BudgetClaimContext): boolean | Promise<boolean>;
  /** Gives back the slot of `connection`, which the pool lets go. */
  release(endpoint: E, connection: C): void | Promise<void>;
  /**
   * Endpoints with the same scope draw on the same slots (for PostgreSQL: the same database); by
   * default each endpoint has slots of its own. When the budget is full for one endpoint, the pool
   * first evicts its own idle connection of another endpoint of the same scope, as under
   * `totalMaxSize`.
   */
  scope?(endpoint: E): string | number;
  /** Calls `onRoom` when room may have come back for `endpoint`; returns a function that stops. */
  watch?(endpoint: E, onRoom: () => void): () => void;
  /**
   * Milliseconds between probes while acquirers wait for budget, without `watch`.
   * @default 500
   */
  readonly pollInterval?: number;
}
