/**
 * The ledger of connections: which state each is in, and the lists and counts that go with it.
 * It is the only writer of a record's `state`, of its endpoint's idle lists and `acquired` count,
 * of the expiry queues, the leak detector's heap, the pool's `size` and its map of records. A
 * state is where a record is (porsager/postgres: a connection's state is the list it is in):
 *
 * | state | in | counted in |
 * |---|---|---|
 * | `idle` | the endpoint's persistent or extra list, an expiry queue | `size` |
 * | `reserved`, `releasing` | nothing | `size`, `ep.acquired` |
 * | `acquired` | the leak heap (with leak detection) | `size`, `ep.acquired` |
 * | `disposed` | nothing | nothing |
 *
 * Creates in flight have no record yet: they count in `size` and in their endpoint's waiter
 * queue (`covers`), from `createStarted` to `createEnded`.
 *
 * It decides nothing: where a connection goes is the pool's decision (`placement.ts`), taken
 * before `move` is called. It calls no user code.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import type { PoolTotals } from '../stats.ts';
import type { ConnectionRecord, ConnectionState } from './connection-record.ts';
import type { ExpiryCollector } from './expiry-collector.ts';
import type { KeepAliveSweeper } from './keep-alive-sweeper.ts';
import type { LeakDetector } from './leak-detector.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

export class Ledger<E, C> {
  /** Every connection the pool holds, by identity. */
  readonly records = new Map<C, Rec<E, C>>();
  /** All connections: idle, acquired, and being created. */
  size = 0;
  readonly #expiry: ExpiryCollector<E, C>;
  readonly #totals: PoolTotals;
  #leaks: LeakDetector<E, C> | null = null;
  #keepAlive: KeepAliveSweeper<E, C> | null = null;

  constructor(expiry: ExpiryCollector<E, C>, totals: PoolTotals) {
    this.#expiry = expiry;
    this.#totals = totals;
  }

  /** Wires the optional parts, which are made after the ledger (they read it). */
  attach(leaks: LeakDetector<E, C> | null, keepAlive: KeepAliveSweeper<E, C> | null): void {
    this.#leaks = leaks;
    this.#keepAlive = keepAlive;
  }

  /** How many connections are idle, in the whole pool. */
  get idle(): number {
    return this.#expiry.length;
  }

  /** A create for `ep` starts: it counts in `size` and `ep.creating` from now. */
  createStarted(ep: EndpointPool<E, C>): void {
    ep.waiters.cover();
    this.size++;
  }

  /**
   * A create for `ep` ended: with `record`, its connection counts as `reserved` from now; with
   * `null` (it failed) its room is given back.
   */
  createEnded(ep: EndpointPool<E, C>, record: Rec<E, C> | null): void {
    ep.waiters.uncover();
    if (record === null) {
      this.size--;
      return;
    }
    this.records.set(record.connection, record);
    ep.acquired++;
    this.#totals.created++;
  }

  /**
   * Moves `record` to the state `to` at time `t`. For `idle`, `record.persistent` and
   * `record.expiresAt` say which list and when it expires; for `acquired`, `record.stack` is what
   * leak detection reports. `t` is read for those two states only.
   */
  move(record: Rec<E, C>, to: ConnectionState, t: number): void {
    const ep = record.pool;
    const from = record.state;
    record.state = to;
    if (from === 'idle') {
      if (record.persistent) ep.persistent.remove(record);
      else ep.extra.remove(record);
      this.#expiry.remove(record);
      if (to !== 'disposed') ep.acquired++; // reserved: counted as acquired from now
    } else if (from === 'acquired' && record.heapIndex !== -1) {
      this.#leaks?.release(record);
    }
    if (to === 'idle') {
      ep.acquired--;
      if (record.persistent) ep.persistent.push(record);
      else ep.extra.push(record);
      this.#expiry.add(record);
      this.#keepAlive?.schedule(t);
      record.acquisition = null;
    } else if (to === 'acquired') {
      record.acquisition = null;
      if (record.stack !== undefined) this.#leaks?.hold(record, t);
    } else if (to === 'disposed') {
      if (from !== 'idle') ep.acquired--;
      this.records.delete(record.connection);
      this.size--;
      this.#totals.disposed++;
      record.acquisition = null;
    }
  }
}
