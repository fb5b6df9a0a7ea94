/** Why a connection was disposed. */
export type DisposeReason =
  | 'idle'
  | 'lifetime'
  | 'dead'
  | 'evicted'
  | 'discarded'
  | 'maxUses'
  | 'closed';

/**
 * The events a pool emits, by name, with the plain object each listener receives.
 *
 * @example
 * ```ts
 * pool.on('dispose', ({ endpoint, reason }) => console.log(endpoint, reason));
 * ```
 */
export interface PoolEvents<E, C> {
  /** A `create` succeeded after `durationMs`. */
  create: { endpoint: E; connection: C; durationMs: number };
  /** A `create` failed or ran out of `createTimeout` after `durationMs`. */
  createError: { endpoint: E; error: unknown; durationMs: number };
  /** An acquirer got `connection` after waiting `waitedMs` (0 when served at once). */
  acquire: { endpoint: E; connection: C; waitedMs: number };
  /** `connection` was released by its holder after holding it `heldMs` (since its acquire resolved). */
  release: { endpoint: E; connection: C; heldMs: number };
  /** `connection` is being disposed; `cause` is what was passed to `discard`, if anything. */
  dispose: { endpoint: E; connection: C; reason: DisposeReason; cause?: unknown };
  /** `dispose` threw, rejected or ran out of `disposeTimeout`; the connection counts as gone. */
  disposeError: { endpoint: E; connection: C; error: unknown };
  /**
   * `checkAliveness` reported `connection` dead (at acquire or by keepalive), or a keepalive check
   * did not answer within `createTimeout`.
   */
  dead: { endpoint: E; connection: C };
  /** An `acquire` ran out of its timeout. */
  timeout: { endpoint: E };
  /**
   * `connection` has been held `heldMs`, at least `leakDetectionThreshold`; emitted once per
   * acquire. `stack` is the stack trace of the `acquire` call that got it.
   */
  leak: { endpoint: E; connection: C; heldMs: number; stack: string };
  /**
   * The connection budget of `endpoint` refused a slot: all `limit` slots are held across the
   * fleet, and its acquirers wait for room. Emitted when the budget turns full, not at every probe.
   */
  budgetExhausted: { endpoint: E; limit: number };
}

/** A listener of event `K`. */
export type PoolEventListener<E, C, K extends keyof PoolEvents<E, C>> = (
  event: PoolEvents<E, C>[K],
) => void;

type AnyListener = (event: never) => void;

/**
 * A tiny synchronous emitter. Listeners run in the order they were added; one that throws is
 * skipped over so it can never break the pool.
 */
export class EventHub<E, C> {
  readonly #listeners = new Map<keyof PoolEvents<E, C>, AnyListener[]>();

  on<K extends keyof PoolEvents<E, C>>(event: K, listener: PoolEventListener<E, C, K>): void {
    if (typeof listener !== 'function') {
      throw new TypeError(`listener for ${String(event)} must be a function`);
    }
    const list = this.#listeners.get(event);
    // Copy on write: an emit in progress keeps iterating its own array.
    this.#listeners.set(event, list === undefined ? [listener] : [...list, listener]);
  }

  off<K extends keyof PoolEvents<E, C>>(event: K, listener: PoolEventListener<E, C, K>): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    const index = list.indexOf(listener);
    if (index === -1) return;
    if (list.length === 1) this.#listeners.delete(event);
    else
      this.#listeners.set(
        event,
        list.filter((_, i) => i !== index),
      );
  }

  /** Cheap test so callers build an event object only when someone listens. */
  has(event: keyof PoolEvents<E, C>): boolean {
    return this.#listeners.has(event);
  }

  /** `emit`, bound: the pool defers it through its outbox. */
  readonly emitter = <K extends keyof PoolEvents<E, C>>(
    event: K,
    payload: PoolEvents<E, C>[K],
  ): void => this.emit(event, payload);

  emit<K extends keyof PoolEvents<E, C>>(event: K, payload: PoolEvents<E, C>[K]): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        (listener as PoolEventListener<E, C, K>)(payload);
      } catch {
        // A listener's failure is its own; the pool's state must not depend on it.
      }
    }
  }
}
