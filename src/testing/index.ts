/**
 * `generic-connection-pool/testing`: helpers for testing code that uses the pool, and managers.
 *
 * @example
 * import { MockConnectionManager } from 'generic-connection-pool/testing';
 * const mock = new MockConnectionManager();
 */
export { MockConnectionManager, deferred } from './mock-connection-manager.ts';
export type {
  Deferred,
  MockAbort,
  MockBehaviour,
  MockCall,
  MockConnection,
  MockConnectionManagerOptions,
  MockHook,
} from './mock-connection-manager.ts';
