/**
 * `node:test` for a browser page: the part of it the tests run there use (describe, it, before,
 * after, beforeEach, afterEach). test/browser/run.ts bundles each test file with this module in
 * place of `node:test`.
 *
 * As in node:test, a `describe` body runs at once and registers; `run()` then runs the tests one
 * at a time, in order. The hooks of the enclosing suites run around each test: `beforeEach` from
 * the outermost in, `afterEach` from the innermost out, `before` once before a suite's first test
 * and `after` once after its last. A failing `before` fails every test of its suite.
 */

type Body = () => unknown;
type HookName = 'before' | 'after' | 'beforeEach' | 'afterEach';

interface Suite {
  readonly name: string;
  readonly parent: Suite | undefined;
  readonly entries: Array<Suite | Case>;
  readonly hooks: Record<HookName, Body[]>;
}

interface Case {
  readonly name: string;
  readonly fn: Body;
}

/** One test's outcome, as run.ts prints it. */
export interface Result {
  /** The enclosing suites' names, then the test's. */
  readonly path: string[];
  readonly ok: boolean;
  readonly ms: number;
  /** The first error: its stack (which starts with its message), or the thrown value. */
  readonly error?: string;
}

const newSuite = (name: string, parent: Suite | undefined): Suite => ({
  name,
  parent,
  entries: [],
  hooks: { before: [], after: [], beforeEach: [], afterEach: [] },
});

const root = newSuite('', undefined);
let current = root;
// Taken before a test can fake the clock (fake-timers replaces performance.now).
const now = performance.now.bind(performance);

/** Registers a suite: `body` runs at once and registers its tests and hooks. */
export function describe(name: string, body: () => void): void {
  const suite = newSuite(name, current);
  current.entries.push(suite);
  current = suite;
  try {
    body();
  } finally {
    current = suite.parent ?? root;
  }
}

/** Registers a test of the enclosing suite. */
export function it(name: string, fn: Body): void {
  current.entries.push({ name, fn });
}

const hook = (name: HookName) => (fn: Body) => {
  current.hooks[name].push(fn);
};
/** Runs `fn` once before the first test of the enclosing suite. */
export const before = hook('before');
/** Runs `fn` once after the last test of the enclosing suite. */
export const after = hook('after');
/** Runs `fn` before each test of the enclosing suite and of the suites inside it. */
export const beforeEach = hook('beforeEach');
/** Runs `fn` after each test of the enclosing suite and of the suites inside it. */
export const afterEach = hook('afterEach');

/** Runs every one of `fns` in order, whatever the others did; resolves with the first error. */
async function attempt(fns: Body[]): Promise<{ error: unknown } | undefined> {
  let failure: { error: unknown } | undefined;
  for (const fn of fns) {
    try {
      await fn();
    } catch (error) {
      failure ??= { error };
    }
  }
  return failure;
}

const describeError = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);

/** The suites from the outermost to `suite`. */
function lineage(suite: Suite): Suite[] {
  const suites: Suite[] = [];
  for (let s: Suite | undefined = suite; s !== undefined; s = s.parent) suites.unshift(s);
  return suites;
}

async function runCase(suite: Suite, test: Case, path: string[]): Promise<Result> {
  const started = now();
  const suites = lineage(suite);
  let failure = await attempt(suites.flatMap((s) => s.hooks.beforeEach));
  if (failure === undefined) failure = await attempt([test.fn]);
  const cleanup = await attempt(suites.reverse().flatMap((s) => s.hooks.afterEach));
  failure ??= cleanup;
  const ms = now() - started;
  if (failure === undefined) return { path, ok: true, ms };
  return { path, ok: false, ms, error: describeError(failure.error) };
}

async function runSuite(
  suite: Suite,
  path: string[],
  report: (result: Result) => void,
  inherited?: { error: unknown },
): Promise<void> {
  const failed = inherited ?? (await attempt(suite.hooks.before));
  for (const entry of suite.entries) {
    const entryPath = [...path, entry.name];
    if ('entries' in entry) await runSuite(entry, entryPath, report, failed);
    else if (failed === undefined) report(await runCase(suite, entry, entryPath));
    else report({ path: entryPath, ok: false, ms: 0, error: describeError(failed.error) });
  }
  if (inherited !== undefined) return;
  const afterFailure = await attempt(suite.hooks.after);
  if (afterFailure !== undefined) {
    report({
      path: [...path, 'after'],
      ok: false,
      ms: 0,
      error: describeError(afterFailure.error),
    });
  }
}

/** Runs every registered test, reporting each as it ends. */
export function run(report: (result: Result) => void): Promise<void> {
  return runSuite(root, [], report);
}
