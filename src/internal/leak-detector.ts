/**
 * Leak detection: the acquired connections that carry an acquire stack, in a heap by acquire
 * time, and one timer for the earliest. When a connection has been held `threshold` ms or longer
 * it leaves the heap and a `leak` event is emitted for it, once per acquire. A record is in the
 * heap exactly while acquired with leak detection on, so the pool tests `record.heapIndex !== -1`
 * (it is in no expiry queue then) before calling `release`, and creates a detector only when
 * leak detection is on.
 */
import type { EventHub } from '../events.ts';
import type { ConnectionRecord } from './connection-record.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { IndexedHeap } from './indexed-heap.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

const byAcquiredAt = (a: { acquiredAt: number }, b: { acquiredAt: number }): boolean =>
  a.acquiredAt < b.acquiredAt;

/** Reports connections held `threshold` ms or longer as `leak` events of `events`. */
export class LeakDetector<E, C> {
  readonly #threshold: number;
  readonly #events: EventHub<E, C>;
  readonly #held = new IndexedHeap<Rec<E, C>>(byAcquiredAt);
  readonly #timer = new DeadlineTimer(() => this.#report(), false);

  /** @param threshold milliseconds, greater than 0. */
  constructor(threshold: number, events: EventHub<E, C>) {
    this.#threshold = threshold;
    this.#events = events;
  }

  /** `record` was acquired at `t` by the call whose stack is `record.stack`. */
  hold(record: Rec<E, C>, t: number): void {
    this.#held.push(record);
    this.#timer.schedule(t + this.#threshold);
  }

  /** `record`, which is held (`heapIndex !== -1`), is released or disposed. */
  release(record: Rec<E, C>): void {
    this.#held.remove(record);
  }

  /** Stops the timer (the pool is closed). */
  cancel(): void {
    this.#timer.cancel();
  }

  /** Emits `leak` once for each connection held `threshold` or longer. */
  #report(): void {
    const threshold = this.#threshold;
    this.#timer.drain(
      this.#held,
      (record) => record.acquiredAt + threshold,
      (record, t) => {
        this.#held.remove(record);
        const { endpoint, connection, stack = '' } = record;
        record.stack = undefined;
        if (this.#events.has('leak')) {
          this.#events.emit('leak', { endpoint, connection, heldMs: t - record.acquiredAt, stack });
        }
      },
    );
  }
}
