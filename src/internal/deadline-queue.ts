/**
 * Acquire deadlines: the acquirers with a finite deadline, ordered by deadline (then arrival),
 * and one timer for the earliest. When it fires, every acquirer whose deadline has passed is
 * handed to `onExpire`, which must settle it (and so `remove` it). Acquirers that share a timeout
 * arrive in deadline order, so the sorted-run queue adds and removes them in O(1). The timer keeps
 * the process alive while an acquirer waits: it bounds a promise someone awaits.
 */
import type { Acquisition } from './acquisition.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { SortedRunQueue } from './sorted-run-queue.ts';

const byDeadline = (
  a: { deadline: number; seq: number },
  b: { deadline: number; seq: number },
): boolean => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);

/** Times out waiting acquirers at their deadline. */
export class DeadlineQueue<E, C> {
  readonly #queue = new SortedRunQueue<Acquisition<E, C>>(byDeadline);
  readonly #timer = new DeadlineTimer(() => this.#expire(), true);
  readonly #onExpire: (acq: Acquisition<E, C>) => void;
  #stopped = false;

  /** @param onExpire called for each acquirer whose deadline has passed; it must `remove` it. */
  constructor(onExpire: (acq: Acquisition<E, C>) => void) {
    this.#onExpire = onExpire;
  }

  /** Adds `acq`, whose deadline is finite. */
  add(acq: Acquisition<E, C>): void {
    this.#queue.push(acq);
    this.#timer.schedule(acq.deadline);
  }

  /**
   * Removes `acq`, which was added. When none is left the timer stays armed but lets the process
   * exit (a timer per acquire would cost more than the acquire); after `stop` it is cancelled.
   */
  remove(acq: Acquisition<E, C>): void {
    this.#queue.remove(acq);
    if (this.#queue.length > 0) return;
    if (this.#stopped) this.#timer.cancel();
    else this.#timer.idle();
  }

  /** The pool closed: no timer is left once no acquirer is (now, or at the last `remove`). */
  stop(): void {
    this.#stopped = true;
    if (this.#queue.length === 0) this.#timer.cancel();
  }

  #expire(): void {
    this.#timer.drain(this.#queue, (acq) => acq.deadline, this.#onExpire);
  }
}
