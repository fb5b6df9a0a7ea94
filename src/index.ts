export type { BudgetClaimContext, ConnectionBudget } from './budget.ts';
export {
  ConnectionBudgetExhaustedError,
  ConnectionBudgetUnavailableError,
  ConnectionNotAcquiredError,
  ConnectionPoolClosedError,
  ConnectionPoolError,
  ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from './errors.ts';
export type { DisposeReason, PoolEventListener, PoolEvents } from './events.ts';
export type { Lease } from './lease.ts';
export type { ConnectionManager, OperationContext } from './manager.ts';
export { BaseConnectionManager } from './manager.ts';
export type { EndpointKeyFunction, PoolOptions } from './options.ts';
export type { AcquireOptions, CloseOptions } from './pool.ts';
export { ConnectionPool } from './pool.ts';
export type { EndpointStats, PoolStats, PoolTotals } from './stats.ts';
