/**
 * One timer for the earliest of many deadlines. `schedule(at)` arms it unless it is already due
 * no later than `at`; the owner schedules its next deadline when it fires. The timer only ever
 * moves earlier, never later, so a stream of later deadlines costs no timer calls, and a timer
 * that fires early just finds nothing due.
 */
import { holdProcess, now, startTimer, type TimerHandle } from './timers.ts';

/** Longest single wait; a later deadline is reached by waiting again. */
const MAX_STEP = 2_147_483_647;

export class DeadlineTimer {
  readonly #onFire: () => void;
  readonly #keepAlive: boolean;
  #handle: TimerHandle | undefined = undefined;
  #at = Number.POSITIVE_INFINITY;
  /** The pending timer of a `keepAlive` one no longer holds the process: it was made `idle`. */
  #idle = false;

  /**
   * @param onFire called when the timer fires; it must `schedule` what is left.
   * @param keepAlive whether a pending timer keeps the process alive (it must when it bounds a
   *   promise someone awaits).
   */
  constructor(onFire: () => void, keepAlive: boolean) {
    this.#onFire = onFire;
    this.#keepAlive = keepAlive;
  }

  schedule(at: number): void {
    if (at === Number.POSITIVE_INFINITY) return;
    if (at >= this.#at) {
      if (this.#idle) {
        this.#idle = false;
        holdProcess(this.#handle as TimerHandle, true);
      }
      return;
    }
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#at = at;
    const delay = Math.min(MAX_STEP, Math.max(0, Math.ceil(at - now())));
    this.#handle = startTimer(this.#fire, delay, this.#keepAlive);
    this.#idle = false;
  }

  /**
   * Nothing is due for now: the timer stays armed, since the next deadline would arm one again
   * (a timer per use of the pool), but no longer keeps the process alive. When it fires it finds
   * nothing due; `schedule` holds the process again.
   */
  idle(): void {
    if (this.#idle || !this.#keepAlive || this.#handle === undefined) return;
    this.#idle = true;
    holdProcess(this.#handle, false);
  }

  /**
   * For an owner whose timer fired: hands each item of `items` that is due by now, earliest first,
   * to `onDue` (which must take it out of `items`), then arms the timer for the first one not due.
   * @param dueAt when an item is due, in the order of `items`.
   */
  drain<T>(
    items: { peek(): T | undefined },
    dueAt: (item: T) => number,
    onDue: (item: T, t: number) => void,
  ): void {
    const t = now();
    for (let item = items.peek(); item !== undefined; item = items.peek()) {
      const at = dueAt(item);
      if (at > t) {
        this.schedule(at);
        return;
      }
      onDue(item, t);
    }
  }

  cancel(): void {
    if (this.#handle === undefined) return;
    clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#at = Number.POSITIVE_INFINITY;
    this.#idle = false;
  }

  readonly #fire = (): void => {
    this.#handle = undefined;
    this.#at = Number.POSITIVE_INFINITY;
    this.#idle = false;
    this.#onFire();
  };
}
