/**
 * One `acquire` that could not be served synchronously: it waits in its endpoint's queue, or its
 * connection is being checked or prepared. `state`:
 * - `queued`: in its endpoint's waiter queue;
 * - `busy`: between steps or preparing `record` (check, `onAcquire`, `onConnectionDead`);
 * - `settled`: its promise is resolved or rejected; late results are handed back to the pool.
 * While not settled and its deadline is finite it is in the pool's DeadlineQueue.
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import type { ConnectionRecord } from './connection-record.ts';
import type { RunItem } from './sorted-run-queue.ts';
import type { Waiter } from './waiter-queue.ts';

export type AcquisitionState = 'queued' | 'busy' | 'settled';

export class Acquisition<E, C> implements Waiter<Acquisition<E, C>>, RunItem<Acquisition<E, C>> {
  readonly seq: number;
  /** The endpoint value this acquirer asked for. */
  readonly endpoint: E;
  /** Its endpoint's pool; looked up again if the pool forgot an empty endpoint meanwhile. */
  ep: EndpointPool<E, C>;
  readonly timeout: number;
  readonly startedAt: number;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  /** `ep.errors` when it started: a timeout names a create or check error only if one came after. */
  readonly errorsAtStart: number;
  readonly promise: Promise<C>;
  resolve!: (connection: C) => void;
  reject!: (error: unknown) => void;
  state: AcquisitionState = 'busy';
  record: ConnectionRecord<E, C> | null = null;
  /** Set once it gave back a dead connection: if it must wait now, it goes first. */
  retried = false;
  /** Set once it had to queue (no idle connection, no free capacity): a waited acquire. */
  waited = false;
  /** With leak detection: the stack of the `acquire` call. */
  stack: string | undefined = undefined;
  onAbort: (() => void) | null = null;
  prev: Acquisition<E, C> | null = null;
  next: Acquisition<E, C> | null = null;
  heapIndex = -1;
  earlier: Acquisition<E, C> | null = null;
  later: Acquisition<E, C> | null = null;

  constructor(
    seq: number,
    ep: EndpointPool<E, C>,
    endpoint: E,
    timeout: number,
    deadline: number,
    signal: AbortSignal | undefined,
    startedAt: number,
  ) {
    this.seq = seq;
    this.ep = ep;
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.deadline = deadline;
    this.signal = signal;
    this.startedAt = startedAt;
    this.errorsAtStart = ep.errors;
    this.promise = new Promise<C>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
