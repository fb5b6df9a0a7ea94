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

/**
 * Whether a pending `handle` keeps the process alive: `ref`/`unref` in Node.js and Bun, Deno's own
 * calls; nothing in browsers, where a timer keeps nothing alive.
 */
export function holdProcess(handle: TimerHandle, hold: boolean): void {
  const timer = handle as { ref?: () => void; unref?: () => void };
  if (typeof timer.unref === 'function') {
    if (hold) timer.ref?.();
    else timer.unref();
    return;
  }
  const deno = (
    globalThis as {
      Deno?: { refTimer?: (id: unknown) => void; unrefTimer?: (id: unknown) => void };
    }
  ).Deno;
  if (hold) deno?.refTimer?.(handle);
  else deno?.unrefTimer?.(handle);
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
  if (!keepAlive) holdProcess(handle, false);
  return handle;
}
