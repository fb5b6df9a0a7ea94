/**
 * `generic-connection-pool/testing`: helpers for testing code that uses the pool, and managers.
 *
 * @example
 * import { MockConnectionManager } from 'generic-connection-pool/testing';
 * const mock = new MockConnectionManager();
 */

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
