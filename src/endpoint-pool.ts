/**
 * The state of one endpoint: its idle connections (persistent ones reused oldest-first, extra ones
 * newest-first), its waiting acquirers and its counts. It holds no logic of its own beyond
 * keeping these consistent; the pool moves connections and waiters in and out.
 */
import type { Acquisition } from './internal/acquisition.ts';
import type { ConnectionRecord } from './internal/connection-record.ts';
import type { HeapItem } from './internal/indexed-heap.ts';
import { LinkedList } from './internal/linked-list.ts';
import { WaiterQueue } from './internal/waiter-queue.ts';
import type { Wake } from './internal/wake.ts';

export class EndpointPool<E, C> implements HeapItem {
  readonly key: string | number;
  /** The first endpoint value seen for this key. */
  readonly endpoint: E;
  readonly persistent = new LinkedList<ConnectionRecord<E, C>>();
  readonly extra = new LinkedList<ConnectionRecord<E, C>>();
  readonly waiters = new WaiterQueue<Acquisition<E, C>>();
  /** Connections held by users or being prepared for them or released by them. */
  acquired = 0;
  /** How many creates or checks failed here, and the last such error. */
  errors = 0;
  lastError: unknown = undefined;
  /** The last create error, the `cause` of `EndpointUnavailableError`. */
  lastCreateError: unknown = undefined;
  /**
   * Create backoff: consecutive failed creates (0 when the last one succeeded), until when the
   * next create waits, and the create sequence number from which a failure counts as a new one
   * (failures of creates started before the last counted one belong to the same outage).
   */
  failures = 0;
  retryAt = 0;
  failedMark = 0;
  /** While backing off: its entry in the create backoff's heap of wake-ups, made on first use. */
  wake: Wake<EndpointPool<E, C>> | null = null;
  /**
   * With a connection budget: its limit for this endpoint; whether its last claim was refused (then
   * only probes create, one at a time); whether the next probe may start; and the stop function of
   * the budget's `watch` while acquirers wait for it.
   */
  budgetLimit = 0;
  budgetScope: string | number | undefined = undefined;
  budgetFull = false;
  probeDue = false;
  unwatch: (() => void) | null = null;
  /** Set when the pool drops this endpoint (empty and unused); a later acquire makes a new one. */
  forgotten = false;
  /** Position in the pool's heap of endpoints waiting for total capacity. */
  heapIndex = -1;

  constructor(key: string | number, endpoint: E) {
    this.key = key;
    this.endpoint = endpoint;
  }

  get creating(): number {
    return this.waiters.covers;
  }

  get idle(): number {
    return this.persistent.length + this.extra.length;
  }

  get size(): number {
    return this.persistent.length + this.extra.length + this.acquired + this.waiters.covers;
  }

  /** The idle connection to reuse next: the oldest persistent one, else the newest extra one. */
  nextIdle(): ConnectionRecord<E, C> | null {
    return this.persistent.head ?? this.extra.tail;
  }
}
