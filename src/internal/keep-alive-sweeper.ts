/**
 * Keepalive sweeps: one timer, armed `interval` ms after a connection becomes idle. A sweep
 * selects every idle connection neither used nor checked for `interval` (and not yet expired) and
 * hands each that is still idle to `check`; the pool detaches, checks and puts it back. The next
 * sweep comes `interval` later while any connection is idle. The timer lets the process exit.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import type { ConnectionRecord } from './connection-record.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { now } from './timers.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

/** Finds the idle connections due for a keepalive check. */
export class KeepAliveSweeper<E, C> {
  readonly #interval: number;
  readonly #endpoints: ReadonlyMap<unknown, EndpointPool<E, C>>;
  readonly #idle: { readonly length: number };
  readonly #check: (record: Rec<E, C>, t: number) => void;
  readonly #timer = new DeadlineTimer(() => this.#sweep(), false);

  /**
   * @param interval milliseconds (`keepAliveInterval`), greater than 0.
   * @param endpoints the pool's endpoints, whose idle lists a sweep walks.
   * @param idle how many connections are idle in the whole pool.
   * @param check checks an idle connection at `t`, the time the sweep read.
   */
  constructor(
    interval: number,
    endpoints: ReadonlyMap<unknown, EndpointPool<E, C>>,
    idle: { readonly length: number },
    check: (record: Rec<E, C>, t: number) => void,
  ) {
    this.#interval = interval;
    this.#endpoints = endpoints;
    this.#idle = idle;
    this.#check = check;
  }

  /** A connection became idle at `t`: a sweep comes `interval` later at the latest. */
  schedule(t: number): void {
    this.#timer.schedule(t + this.#interval);
  }

  /** Stops the timer (the pool is closed). */
  cancel(): void {
    this.#timer.cancel();
  }

  #sweep(): void {
    const t = now();
    const interval = this.#interval;
    const due: Rec<E, C>[] = [];
    const isDue = (record: Rec<E, C>): boolean =>
      Math.max(record.lastReleasedAt, record.lastCheckedAt) + interval <= t && record.expiresAt > t;
    for (const ep of this.#endpoints.values()) {
      for (let record = ep.persistent.head; record !== null; record = record.next) {
        if (isDue(record)) due.push(record);
      }
      for (let record = ep.extra.head; record !== null; record = record.next) {
        if (isDue(record)) due.push(record);
      }
    }
    for (const record of due) {
      if (record.state !== 'idle') continue; // disposed by an earlier check's consequences
      this.#check(record, t);
    }
    if (this.#idle.length > 0) this.#timer.schedule(t + interval);
  }
}
