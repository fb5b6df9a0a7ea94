/**
 * The context handed to `create`, `dispose` and `checkAliveness`. Its `AbortController` is made
 * only when a manager reads `signal` or the operation must be aborted, so a manager that ignores
 * the signal costs no controller. A check context is one per connection, reused by every check of
 * it (checks of a connection never overlap); create and dispose get a fresh one each.
 */
import type { OperationContext } from '../manager.ts';

export class LazyContext implements OperationContext {
  #controller: AbortController | null = null;

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Aborts the check in progress. */
  abort(reason: unknown): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  /** The check is over: the next one gets a fresh signal. */
  reset(): void {
    this.#controller = null;
  }
}
