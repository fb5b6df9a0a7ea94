/**
 * The context handed to `create`, `dispose` and `checkAliveness`. Its `AbortController` is made
 * only when a manager reads `signal` or the operation must be aborted, so a manager that ignores
 * the signal costs no controller. A check context is one per connection, reused by every check of
 * it (checks of a connection never overlap): it is live only between `begin` and `reset`, so an
 * abort meant for a check that has already ended cannot reach the next one. Create and dispose get
 * a fresh, live one each.
 */
import type { OperationContext } from '../manager.ts';

export class LazyContext implements OperationContext {
  #controller: AbortController | null = null;
  #live: boolean;

  /** @param live false for a check context, live from `begin` to `reset`. */
  constructor(live = true) {
    this.#live = live;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** A check starts. */
  begin(): this {
    this.#live = true;
    return this;
  }

  /** Aborts the operation in progress; nothing when none is. */
  abort(reason: unknown): void {
    if (!this.#live) return;
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  /** The check is over: the next one gets a fresh signal. */
  reset(): void {
    this.#controller = null;
    this.#live = false;
  }
}
