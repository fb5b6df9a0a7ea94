/**
 * What `pool.stats()` returns: a snapshot of gauges (how many connections are in each state right
 * now) and cumulative counters since the pool was made. Gauges and counters cost O(1) to keep; the
 * per-endpoint list is built on each call.
 *
 * @example
 * ```ts
 * const { size, idle, waiting, totals } = pool.stats();
 * console.log(`${size} open, ${idle} idle, ${waiting} waiting, ${totals.timeouts} timeouts`);
 * ```
 */
export interface PoolStats<E = unknown> {
  /** All connections: idle, acquired and being created. */
  size: number;
  idle: number;
  /** Held by users, or being checked or prepared for them, or being released. */
  acquired: number;
  creating: number;
  /** Acquirers queued in the pool (waiting for a create, a release or capacity). */
  waiting: number;
  totals: PoolTotals;
  /** One entry per endpoint the pool currently knows. */
  endpoints: EndpointStats<E>[];
}

/** Cumulative counters since the pool was made. */
export interface PoolTotals {
  /** Successful creates. */
  created: number;
  /** Connections disposed, whether or not `dispose` succeeded. */
  disposed: number;
  /** Successful acquires. */
  acquires: number;
  /**
   * Successful acquires that had to queue: neither an idle connection nor free capacity for a
   * create was there when they asked (or when they came back after a dead connection).
   */
  waitedAcquires: number;
  /** Acquires that failed because their timeout ran out. */
  timeouts: number;
  /** Acquires that failed because their signal aborted. */
  aborts: number;
  /** Failed creates, including those that ran out of `createTimeout`. */
  createErrors: number;
  /** Connections found dead by `checkAliveness`, at acquire or by keepalive. */
  deadConnections: number;
  /** Idle connections disposed to make room for another endpoint. */
  evictions: number;
  /** `dispose` calls that threw, rejected or ran out of `disposeTimeout`. */
  disposeErrors: number;
}

/** The gauges of one endpoint. */
export interface EndpointStats<E = unknown> {
  /** The first endpoint value seen for its key. */
  endpoint: E;
  size: number;
  idle: number;
  acquired: number;
  creating: number;
  waiting: number;
  /**
   * With a connection budget: its `limit` for this endpoint, the slots this pool `held` (one per
   * connection that is not being created), and the acquirers `waiting` for budget.
   */
  budget?: { limit: number; held: number; waiting: number };
}

/** Fresh zeroed counters. */
export function newTotals(): PoolTotals {
  return {
    created: 0,
    disposed: 0,
    acquires: 0,
    waitedAcquires: 0,
    timeouts: 0,
    aborts: 0,
    createErrors: 0,
    deadConnections: 0,
    evictions: 0,
    disposeErrors: 0,
  };
}

/** What a snapshot reads of one endpoint. */
interface EndpointGauges<E> {
  readonly endpoint: E;
  readonly size: number;
  readonly idle: number;
  readonly acquired: number;
  readonly creating: number;
  readonly waiters: { readonly length: number; readonly covers: number };
  readonly budgetLimit: number;
  readonly budgetFull: boolean;
}

/**
 * The pool's {@link PoolStats} from its endpoints, its `size` and `idle` gauges and its counters.
 * An endpoint with a create in flight or a waiter is never forgotten, so the sums are exact.
 */
export function snapshot<E>(
  endpoints: Iterable<EndpointGauges<E>>,
  size: number,
  idle: number,
  totals: PoolTotals,
  budgeted: boolean,
): PoolStats<E> {
  const list: PoolStats<E>['endpoints'] = [];
  let creating = 0;
  let waiting = 0;
  for (const ep of endpoints) {
    creating += ep.creating;
    waiting += ep.waiters.length;
    const stats: EndpointStats<E> = {
      endpoint: ep.endpoint,
      size: ep.size,
      idle: ep.idle,
      acquired: ep.acquired,
      creating: ep.creating,
      waiting: ep.waiters.length,
    };
    if (budgeted) {
      const waitingForBudget = ep.budgetFull ? ep.waiters.length - ep.waiters.covers : 0;
      stats.budget = {
        limit: ep.budgetLimit,
        held: ep.size - ep.creating,
        waiting: waitingForBudget,
      };
    }
    list.push(stats);
  }
  return {
    size,
    idle,
    acquired: size - idle - creating,
    creating,
    waiting,
    totals: { ...totals },
    endpoints: list,
  };
}
