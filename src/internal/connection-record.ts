/**
 * What the pool knows about one connection. Its `state` says which list it is in:
 * - `idle`: in its endpoint's persistent or extra list and in one of the expiry collector's queues;
 * - `reserved`: just created, or taken for an acquirer that is checking it or running `onAcquire`,
 *   or being checked by keepalive (`acquisition` is `null` then); counted as acquired;
 * - `acquired`: held by a user (and in the leak detector's heap while leak detection is on);
 * - `releasing`: in `onRelease` (counted as acquired);
 * - `disposed`: gone from every list and count.
 * Only `Ledger.move` changes `state`, with the lists and counts that go with it.
 *
 * Its times (`lifetimeEndsAt`, `lastReleasedAt`, `expiresAt`, `lastCheckedAt`) are whole
 * milliseconds, rounded down: V8 keeps a small integer in the field itself but boxes a fractional
 * number in a heap object of its own (16 bytes more per field). Rounding down makes a connection
 * expire at most 1 ms early, never late. `acquiredAt` stays exact for the `heldMs` it reports.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import type { Acquisition } from './acquisition.ts';
import type { LazyContext } from './lazy-context.ts';
import type { Linked } from './linked-list.ts';
import type { RunItem } from './sorted-run-queue.ts';

export type ConnectionState = 'idle' | 'reserved' | 'acquired' | 'releasing' | 'disposed';

export class ConnectionRecord<E, C>
  implements Linked<ConnectionRecord<E, C>>, RunItem<ConnectionRecord<E, C>>
{
  readonly pool: EndpointPool<E, C>;
  /** The endpoint value the connection was created for. */
  readonly endpoint: E;
  readonly connection: C;
  readonly lifetimeEndsAt: number;
  state: ConnectionState = 'reserved';
  /** Whether, while idle, it is one of the endpoint's `minIdle` persistent connections. */
  persistent = false;
  /**
   * Taken from idle and not used since: should it come back unused (a check threw, keepalive found
   * it alive, its acquirer left), it keeps its idle class and expiry instead of counting as released.
   */
  kept = false;
  /** Must be checked before anyone gets it, even within `skipAlivenessCheckWithin`: a hook failed. */
  suspect = false;
  /** Disposed by `close({ timeout })` while in use: settles when that dispose has. */
  gone: Promise<void> | undefined = undefined;
  /** Its budget slot was lost: it is disposed (as `'dead'`) as soon as it is not in use. */
  retired = false;
  lastReleasedAt: number;
  /** While idle: when it expires. */
  expiresAt = 0;
  /** When keepalive last checked it; 0 before (times are never negative). */
  lastCheckedAt = 0;
  /** When its current or last acquire resolved. */
  acquiredAt = 0;
  /** How many acquires it has served. */
  uses = 0;
  /** With leak detection: the stack of the acquire that holds it. */
  stack: string | undefined = undefined;
  /** While reserved: the acquirer it is being prepared for. */
  acquisition: Acquisition<E, C> | null = null;
  /** Context of its aliveness checks, made on first use. */
  context: LazyContext | null = null;
  prev: ConnectionRecord<E, C> | null = null;
  next: ConnectionRecord<E, C> | null = null;
  heapIndex = -1;
  earlier: ConnectionRecord<E, C> | null = null;
  later: ConnectionRecord<E, C> | null = null;

  constructor(
    pool: EndpointPool<E, C>,
    endpoint: E,
    connection: C,
    createdAt: number,
    lifetime: number,
  ) {
    this.pool = pool;
    this.endpoint = endpoint;
    this.connection = connection;
    this.lastReleasedAt = Math.floor(createdAt);
    this.lifetimeEndsAt = Math.floor(createdAt + lifetime);
  }
}
