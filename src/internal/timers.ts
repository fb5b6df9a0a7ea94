/**
 * The few timer and clock primitives the core needs, written for every runtime: Node.js, Bun and
 * Deno (whose timers differ in how a process is let exit) and browsers.
 */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** Node.js turns longer delays into 1 ms; a longer budget is as good as none. */
const MAX_DELAY = 2_147_483_647;

/** Milliseconds on the monotonic clock. */
export function now(): number {
  return performance.now();
}

/** Lets the process exit while `handle` is pending: `unref` in Node.js and Bun, Deno's own call. */
function unref(handle: TimerHandle): void {
  const timer = handle as { unref?: () => void };
  if (typeof timer.unref === 'function') {
    timer.unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: unknown) => void } }).Deno;
  deno?.unrefTimer?.(handle);
}

/**
 * Starts a timer for a budget of `ms` milliseconds, or none (`undefined`) when the budget is
 * unbounded. `keepAlive: false` lets the process exit while it is pending.
 */
export function startTimer(
  callback: () => void,
  ms: number,
  keepAlive = true,
): TimerHandle | undefined {
  if (ms > MAX_DELAY) return undefined;
  const handle = setTimeout(callback, ms);
  if (!keepAlive) unref(handle);
  return handle;
}
