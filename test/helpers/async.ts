/**
 * Async helpers for the tests: fake clock and promise tracking.
 * Portable: imports only `node:assert/strict`, `node:test`, `@sinonjs/fake-timers` and project files.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import FakeTimers from '@sinonjs/fake-timers';

export type Clock = ReturnType<typeof FakeTimers.install>;

/** A fake timer's handle where the runtime's timers are objects (Node.js, Bun). */
type Handle = { hasRef?: () => boolean };

/** Fakes the timers the pool uses; time starts at 0. Uninstall in `afterEach`. */
export function installClock(): Clock {
  const clock = FakeTimers.install({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  // The handles, by timer id, for heldTimers (uninstall puts the real setTimeout back).
  const handles = new Map<number, Handle>();
  const fakeSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const handle = fakeSetTimeout(...args);
    if (typeof handle === 'object') handles.set(Number(handle), handle as Handle);
    return handle;
  }) as typeof setTimeout;
  Object.assign(clock, { handles });
  return clock;
}

/** The pending fake timers of `clock`, by id: when each is due. */
function pendingTimers(clock: Clock): Map<number, { callAt: number }> {
  return (clock as unknown as { timers?: Map<number, { callAt: number }> }).timers ?? new Map();
}

/** When each pending fake timer is due, soonest first. */
export function timersDue(clock: Clock): number[] {
  return [...pendingTimers(clock).values()].map((t) => t.callAt).sort((a, b) => a - b);
}

/**
 * Asserts that `count` pending fake timers keep the process alive, where the runtime's timer
 * handles tell (Node.js, Bun). Elsewhere (Deno, browsers) a handle is a plain number and it
 * asserts nothing: a browser has no process to keep alive.
 */
export function assertHeldTimers(clock: Clock, count: number, message?: string): void {
  const handles = (clock as unknown as { handles: Map<number, Handle> }).handles;
  if (handles.size === 0 && pendingTimers(clock).size > 0) return;
  assert.equal(heldTimers(clock), count, message);
}

/**
 * How many pending fake timers keep the process alive (not `unref`ed), where the runtime's timer
 * handles tell (Node.js, Bun). Where they are plain numbers (Deno, browsers) it counts none.
 */
export function heldTimers(clock: Clock): number {
  const handles = (clock as unknown as { handles: Map<number, Handle> }).handles;
  let held = 0;
  for (const id of pendingTimers(clock).keys()) if (handles.get(id)?.hasRef?.() === true) held++;
  return held;
}

/**
 * A fresh fake clock (see `installClock`) for each test of the enclosing `describe`: installed
 * before each test, uninstalled after it. The handle returned stands for the running test's clock.
 *
 * @example
 * ```ts
 * describe('expiry', () => {
 *   const clock = useFakeClock();
 *   it('expires', async () => { await clock.tickAsync(1000); });
 * });
 * ```
 */
export function useFakeClock(): Clock {
  let current: Clock | undefined;
  beforeEach(() => {
    current = installClock();
  });
  afterEach(() => {
    current?.uninstall();
    current = undefined;
  });
  return new Proxy({} as Clock, {
    get(_, key) {
      if (current === undefined)
        throw new Error('useFakeClock: there is a clock only during a test');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

/** A promise that never settles: a mock `gate` for a hook that hangs. */
export const NEVER = new Promise<never>(() => undefined);

/** Lets every pending microtask (and zero-delay timer) run, without advancing time. */
export async function settle(clock?: Clock): Promise<void> {
  if (clock !== undefined) {
    await clock.tickAsync(0);
    await clock.tickAsync(0);
    return;
  }
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

export interface Tracked<T> {
  readonly promise: Promise<T>;
  state: 'pending' | 'fulfilled' | 'rejected';
  value: T | undefined;
  reason: unknown;
}

/** Attaches handlers at once (no unhandled rejection) and records how `promise` settled. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { promise, state: 'pending', value: undefined, reason: undefined };
  promise.then(
    (value) => {
      tracked.state = 'fulfilled';
      tracked.value = value;
    },
    (reason: unknown) => {
      tracked.state = 'rejected';
      tracked.reason = reason;
    },
  );
  return tracked;
}

/** Calls `fn` and tracks its result; a synchronous throw is a test failure (the API returns promises). */
export function call<T>(fn: () => Promise<T>): Tracked<T> {
  let promise: Promise<T>;
  try {
    promise = fn();
  } catch (error) {
    assert.fail(`expected a rejected promise, got a synchronous throw: ${String(error)}`);
  }
  assert.ok(promise instanceof Promise, 'expected a promise');
  return track(promise);
}

export function fulfilled<T>(t: Tracked<T>): T {
  assert.equal(
    t.state,
    'fulfilled',
    `expected fulfilled, got ${t.state} ${t.state === 'rejected' ? String(t.reason) : ''}`,
  );
  return t.value as T;
}

export function rejected(t: Tracked<unknown>): unknown {
  assert.equal(t.state, 'rejected', `expected rejected, got ${t.state}`);
  return t.reason;
}

export function pending(t: Tracked<unknown>): void {
  assert.equal(
    t.state,
    'pending',
    `expected pending, got ${t.state} ${t.state === 'rejected' ? String(t.reason) : ''}`,
  );
}
