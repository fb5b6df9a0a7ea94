/**
 * `generic-connection-pool/testing`: helpers for testing code that uses the pool, and managers.
 *
 * @example
 * import { checkConnectionManager, MockConnectionManager } from 'generic-connection-pool/testing';
 * const mock = new MockConnectionManager();
 * const report = await checkConnectionManager(myManager, endpoint);
 */

export type {
  CheckConnectionManagerOptions,
  ManagerCheckReport,
  ManagerCheckStep,
  ManagerCheckStepName,
} from './check-connection-manager.ts';
export { checkConnectionManager } from './check-connection-manager.ts';
export type { MemoryBudgetOptions } from './memory-budget.ts';
export { MemoryBudget } from './memory-budget.ts';
export type {
  Deferred,
  MockAbort,
  MockBehaviour,
  MockCall,
  MockConnection,
  MockConnectionManagerOptions,
  MockHook,
} from './mock-connection-manager.ts';
export { deferred, MockConnectionManager } from './mock-connection-manager.ts';
