/** The one settled `Promise<void>` the pool returns wherever there is nothing to wait for. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * What a `then` callback returns for `promise`: nothing when it is {@link RESOLVED}, since a
 * callback that returns a promise costs the promise it settles two more microtask turns (a job
 * to adopt it, then its reaction).
 */
export function unlessResolved(promise: Promise<void>): Promise<void> | undefined {
  return promise === RESOLVED ? undefined : promise;
}
