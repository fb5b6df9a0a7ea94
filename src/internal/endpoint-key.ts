/**
 * The default endpoint key (SPEC rule 1): strings and numbers are their own key; arrays and plain
 * objects are keyed by their content, independent of object key order. Content keys start with a
 * NUL character, and a string endpoint that itself starts with one is prefixed with another, so a
 * string can never share a key with an array or object.
 *
 * `undefined`: an object property holding it is left out of the key, as if the property were
 * absent (`{ host: 'db', port: undefined }` is the endpoint `{ host: 'db' }`, as in JSON and in
 * TypeScript's optional properties); an array element holding it is keyed as `undefined`, distinct
 * from `null` and from a shorter array (positions are content).
 */
import { show } from './show.ts';

const CONTENT = '\u0000';

/**
 * Nesting depth at which an endpoint is searched for a cycle, once: no real endpoint nests this
 * deep, and a cycle would otherwise recurse until the stack overflows (a RangeError that names
 * nothing). A cycle-free endpoint costs nothing for this.
 */
const CYCLE_CHECK_DEPTH = 64;

/**
 * @throws TypeError when `endpoint` (or something inside it) is neither a string, number,
 *   boolean, null, undefined (inside), array nor plain object, or when it contains itself.
 */
export function defaultEndpointKey(endpoint: unknown): string | number {
  if (typeof endpoint === 'number') return endpoint;
  if (typeof endpoint === 'string') {
    return endpoint.charCodeAt(0) === 0 ? CONTENT + endpoint : endpoint;
  }
  return CONTENT + serialize(endpoint, endpoint, 0);
}

/** `depth`: how many arrays and objects enclose `value` within `endpoint`. */
function serialize(value: unknown, endpoint: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    // Inside an array or object only: an endpoint that is itself a boolean, null or undefined is
    // no content to key (rule 1).
    case 'boolean':
      if (depth > 0) return value ? 'true' : 'false';
      break;
    case 'undefined':
      if (depth > 0) return 'undefined';
      break;
    case 'object': {
      if (value === null) {
        if (depth > 0) return 'null';
        break;
      }
      if (depth === CYCLE_CHECK_DEPTH && containsItself(endpoint, [])) {
        throw new TypeError(
          `Endpoint ${show(endpoint)} cannot be keyed: it contains itself (circular); pass the ` +
            '`endpointKey` option to key it',
        );
      }
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += serialize(value[i], endpoint, depth + 1);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        const record = value as Record<string, unknown>;
        const names = Object.keys(record).sort();
        let out = '{';
        for (const name of names) {
          const item = record[name];
          if (item === undefined) continue;
          if (out.length > 1) out += ',';
          out += `${JSON.stringify(name)}:${serialize(item, endpoint, depth + 1)}`;
        }
        return `${out}}`;
      }
      break;
    }
  }
  throw new TypeError(
    `Endpoint ${show(endpoint)} cannot be keyed: only strings, numbers, and arrays and plain ` +
      'objects of strings, numbers, booleans, null and undefined are keyed by default; pass the ' +
      '`endpointKey` option to key other endpoints',
  );
}

/** Whether an array or object inside `value` is also one of its own ancestors. */
function containsItself(value: unknown, ancestors: object[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.includes(value)) return true;
  ancestors.push(value);
  const found = Object.values(value).some((item) => containsItself(item, ancestors));
  ancestors.pop();
  return found;
}
