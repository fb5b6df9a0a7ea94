/**
 * `node:assert/strict` for a browser page: the assertions the tests run there use, with Node.js's
 * strict semantics. test/browser/run.ts bundles each test file with this module in place of
 * `node:assert/strict`.
 *
 * `deepEqual` is Node.js's deep strict equality: primitives by `Object.is`; objects of the same
 * prototype and tag, with the same own enumerable keys (symbols too) holding deep-equal values;
 * arrays by length and elements; Dates by time, RegExps by source, flags and lastIndex, Errors
 * also by name and message; Maps and Sets by their entries, whatever their order.
 */

/** What a failed assertion throws (`code` 'ERR_ASSERTION', as in Node.js). */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
  readonly code = 'ERR_ASSERTION';
  readonly actual: unknown;
  readonly expected: unknown;
  readonly operator: string;
  constructor(message: string, actual: unknown, expected: unknown, operator: string) {
    super(message);
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
}

/** A short, readable rendering of `value` for failure messages. */
function show(value: unknown, depth = 0, seen = new Set<object>()): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[Function ${value.name || '(anonymous)'}]`;
  if (typeof value !== 'object' || value === null) return String(value);
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(value);
  const inner = (v: unknown) => show(v, depth + 1, seen);
  let text: string;
  if (Array.isArray(value)) text = `[${value.map(inner).join(', ')}]`;
  else if (value instanceof Map) {
    text = `Map(${value.size}) {${[...value].map(([k, v]) => ` ${inner(k)} => ${inner(v)}`)} }`;
  } else if (value instanceof Set) text = `Set(${value.size}) {${[...value].map(inner)} }`;
  else {
    const entries = Reflect.ownKeys(value).map(
      (key) => `${String(key)}: ${inner((value as Record<PropertyKey, unknown>)[key])}`,
    );
    text = `{ ${entries.join(', ')} }`;
  }
  seen.delete(value);
  return text;
}

const enumerableKeys = (o: object): PropertyKey[] =>
  Reflect.ownKeys(o).filter((key) => Object.prototype.propertyIsEnumerable.call(o, key));

/** Each entry of `a` matched to a distinct deep-equal entry of `b` (same size assumed). */
function sameEntries(a: unknown[][], b: unknown[][], seen: Map<object, object>): boolean {
  const unmatched = [...b];
  return a.every((entry) => {
    const i = unmatched.findIndex((other) => entry.every((v, j) => isDeepEqual(v, other[j], seen)));
    if (i >= 0) unmatched.splice(i, 1);
    return i >= 0;
  });
}

function isDeepEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const tag = Object.prototype.toString;
  if (tag.call(a) !== tag.call(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date && a.getTime() !== (b as Date).getTime()) return false;
  if (a instanceof RegExp && (String(a) !== String(b) || a.lastIndex !== (b as RegExp).lastIndex)) {
    return false;
  }
  if (a instanceof Error && (a.name !== (b as Error).name || a.message !== (b as Error).message)) {
    return false;
  }
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  if (a instanceof Map || a instanceof Set) {
    const other = b as Map<unknown, unknown> | Set<unknown>;
    if (a.size !== other.size) return false;
    const entries = (c: Map<unknown, unknown> | Set<unknown>) =>
      [...c.entries()].map(([k, v]) => (c instanceof Set ? [k] : [k, v]));
    if (!sameEntries(entries(a), entries(other), seen)) return false;
  }
  const keys = enumerableKeys(a);
  const otherKeys = new Set(enumerableKeys(b));
  if (keys.length !== otherKeys.size) return false;
  return keys.every(
    (key) =>
      otherKeys.has(key) &&
      isDeepEqual(
        (a as Record<PropertyKey, unknown>)[key],
        (b as Record<PropertyKey, unknown>)[key],
        seen,
      ),
  );
}

function fail(message: string | Error = 'Failed'): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message, undefined, undefined, 'fail');
}

function ok(value: unknown, message?: string): asserts value {
  if (!value) {
    throw new AssertionError(
      message ?? `The expression evaluated to a falsy value: ${show(value)}`,
      value,
      true,
      '==',
    );
  }
}

function equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (!Object.is(actual, expected)) {
    const text = `Expected values to be strictly equal:\n\n${show(actual)} !== ${show(expected)}`;
    throw new AssertionError(message ?? text, actual, expected, 'strictEqual');
  }
}

function notEqual(actual: unknown, expected: unknown, message?: string): void {
  if (Object.is(actual, expected)) {
    const text = `Expected "actual" to be strictly unequal to: ${show(expected)}`;
    throw new AssertionError(message ?? text, actual, expected, 'notStrictEqual');
  }
}

function deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (!isDeepEqual(actual, expected)) {
    const text = `Expected values to be strictly deep-equal:\nactual:   ${show(actual)}\nexpected: ${show(expected)}`;
    throw new AssertionError(message ?? text, actual, expected, 'deepStrictEqual');
  }
}

function match(actual: string, expected: RegExp, message?: string): void {
  if (typeof actual !== 'string' || !expected.test(actual)) {
    const text = `The input did not match the regular expression ${expected}. Input: ${show(actual)}`;
    throw new AssertionError(message ?? text, actual, expected, 'match');
  }
}

type ErrorClass = abstract new (...args: never[]) => unknown;
/** What `throws` and `rejects` accept, as Node.js does. */
type Expected = RegExp | ErrorClass | ((error: unknown) => boolean) | object;

/** Checks a thrown `error` against `expected`, as Node.js's `assert.throws` does. */
function checkError(error: unknown, expected: Expected | undefined, operator: string): void {
  const failWith = (text: string): never => {
    throw new AssertionError(text, error, expected, operator);
  };
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(error)))
      failWith(`The error does not match ${expected}: ${show(error)}`);
    return;
  }
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof (expected as ErrorClass)) return;
    if (expected === Error || Object.prototype.isPrototypeOf.call(Error, expected)) {
      failWith(
        `The error is expected to be an instance of "${expected.name}". Received ${show(error)}`,
      );
    }
    const valid = (expected as (error: unknown) => unknown)(error);
    if (valid !== true) {
      failWith(
        `The validation function is expected to return "true". Received ${show(valid)}\n\nCaught error:\n\n${show(error)}`,
      );
    }
    return;
  }
  for (const key of Reflect.ownKeys(expected)) {
    const want = (expected as Record<PropertyKey, unknown>)[key];
    const got =
      typeof error === 'object' && error !== null
        ? (error as Record<PropertyKey, unknown>)[key]
        : undefined;
    const same =
      want instanceof RegExp && typeof got === 'string' ? want.test(got) : isDeepEqual(got, want);
    if (!same)
      failWith(`Expected ${String(key)} ${show(want)}, got ${show(got)} in ${show(error)}`);
  }
}

function throws(fn: () => unknown, expected?: Expected, message?: string): void {
  try {
    fn();
  } catch (error) {
    checkError(error, expected, 'throws');
    return;
  }
  throw new AssertionError(message ?? 'Missing expected exception.', undefined, expected, 'throws');
}

async function rejects(
  promise: Promise<unknown> | (() => Promise<unknown>),
  expected?: Expected,
  message?: string,
): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    checkError(error, expected, 'rejects');
    return;
  }
  throw new AssertionError(
    message ?? 'Missing expected rejection.',
    undefined,
    expected,
    'rejects',
  );
}

/** `assert(value)` is `assert.ok(value)`. */
const assert = Object.assign(
  (value: unknown, message?: string): void => {
    ok(value, message);
  },
  { deepEqual, equal, fail, match, notEqual, ok, rejects, throws },
);
export default assert;
