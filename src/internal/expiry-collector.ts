/**
 * Expiry of idle connections: every endpoint's idle connections by `expiresAt`, in two queues,
 * extra ones (evicted first) and persistent ones. A record is in one of them exactly while idle;
 * the pool adds it when it becomes idle and removes it when it leaves that state. Due connections
 * are handed to `expire`, which must dispose them (and so `remove` them): with the background
 * collector all of them when its timer fires (one timer, for the earliest expiry); without it, a
 * few at each release (`collectBatch`).
 */
import type { ConnectionRecord } from './connection-record.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { SortedRunQueue } from './sorted-run-queue.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

const byExpiry = (a: { expiresAt: number }, b: { expiresAt: number }): boolean =>
  a.expiresAt < b.expiresAt;

/** The pool's idle connections by expiry, and their disposal when they expire. */
export class ExpiryCollector<E, C> {
  readonly #extra = new SortedRunQueue<Rec<E, C>>(byExpiry);
  readonly #persistent = new SortedRunQueue<Rec<E, C>>(byExpiry);
  readonly #collector: DeadlineTimer | null;
  readonly #batchSize: number;
  readonly #expire: (record: Rec<E, C>) => void;

  /**
   * @param background whether a timer disposes due connections (`backgroundCollector`).
   * @param batchSize how many due connections `collectBatch` disposes (`disposeBatchSize`); 0
   *   for about log2 of the pool's size.
   * @param expire disposes a due idle connection.
   */
  constructor(background: boolean, batchSize: number, expire: (record: Rec<E, C>) => void) {
    this.#collector = background ? new DeadlineTimer(() => this.#collect(), false) : null;
    this.#batchSize = batchSize;
    this.#expire = expire;
  }

  /** How many connections are idle. */
  get length(): number {
    return this.#extra.length + this.#persistent.length;
  }

  /** `record` has become idle, `persistent` or extra as `record.persistent` says. */
  add(record: Rec<E, C>): void {
    if (record.persistent) this.#persistent.push(record);
    else this.#extra.push(record);
    this.#collector?.schedule(record.expiresAt);
  }

  /** `record`, which is idle, leaves that state. */
  remove(record: Rec<E, C>): void {
    if (record.persistent) this.#persistent.remove(record);
    else this.#extra.remove(record);
  }

  /** The idle connection that is best to lose: extra before persistent, soonest expiry. */
  victim(): Rec<E, C> | undefined {
    return this.#extra.peek() ?? this.#persistent.peek();
  }

  /**
   * Without the background collector: disposes a few due connections (a release calls it).
   * @param size the pool's size, which the default batch size grows with.
   */
  collectBatch(t: number, size: number): void {
    const batch = this.#batchSize || Math.floor(Math.log2(size + 1)) + 1;
    for (let i = 0; i < batch; i++) {
      const record = this.#nextDue(t);
      if (record === undefined) return;
      this.#expire(record);
    }
  }

  /** Stops the background collector (the pool is closed). */
  cancel(): void {
    this.#collector?.cancel();
  }

  /** The idle connection that expires first. */
  peek(): Rec<E, C> | undefined {
    const extra = this.#extra.peek();
    const persistent = this.#persistent.peek();
    return extra === undefined ||
      (persistent !== undefined && persistent.expiresAt < extra.expiresAt)
      ? persistent
      : extra;
  }

  /** The idle connection that expires first if it is due at `t`. */
  #nextDue(t: number): Rec<E, C> | undefined {
    const first = this.peek();
    return first !== undefined && first.expiresAt <= t ? first : undefined;
  }

  /** The background collector: disposes every due idle connection, then waits for the next. */
  #collect(): void {
    this.#collector?.drain(this, (record) => record.expiresAt, this.#expire);
  }
}
