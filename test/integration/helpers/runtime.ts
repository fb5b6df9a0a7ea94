/**
 * The runtime running the test file, and skipOn() for the few cases that one runtime's own bug
 * or missing feature breaks. Each such case says which and why in its test file, and the runtime
 * counts it as skipped (scripts/test.ts sums the skips); every other runtime runs it.
 */

/** The runtimes scripts/test.ts runs the integration tests on. */
export type Runtime = 'node' | 'bun' | 'deno';

/** The runtime running this process. */
export const runtime: Runtime =
  'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';

/**
 * Test options that skip the case on `runtimes`, with `reason` (the runtime's bug, and its
 * upstream issue where there is one); elsewhere the case runs.
 *
 * @example
 * it('reads a key', skipOn(['deno'], 'Deno 2.9: ...'), async () => { ... });
 */
export function skipOn(runtimes: readonly Runtime[], reason: string): { skip: string | false } {
  return { skip: runtimes.includes(runtime) ? `${runtime}: ${reason}` : false };
}
