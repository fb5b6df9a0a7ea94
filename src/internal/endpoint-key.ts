/**
 * The default endpoint key (SPEC rule 1): strings and numbers are their own key; arrays and plain
 * objects are keyed by their content, independent of object key order. Content keys start with a
 * NUL character, and a string endpoint that itself starts with one is prefixed with another, so a
 * string can never share a key with an array or object.
 */
import { show } from './show.ts';

const CONTENT = '\u0000';

/**
 * @throws TypeError when `endpoint` (or something inside it) is neither a string, number,
 *   boolean, null, array nor plain object.
 */
export function defaultEndpointKey(endpoint: unknown): string | number {
  if (typeof endpoint === 'number') return endpoint;
  if (typeof endpoint === 'string') {
    return endpoint.charCodeAt(0) === 0 ? CONTENT + endpoint : endpoint;
  }
  return CONTENT + serialize(endpoint, endpoint);
}

function serialize(value: unknown, endpoint: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += serialize(value[i], endpoint);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        const record = value as Record<string, unknown>;
        const names = Object.keys(record).sort();
        let out = '{';
        for (let i = 0; i < names.length; i++) {
          const name = names[i] as string;
          if (i > 0) out += ',';
          out += `${JSON.stringify(name)}:${serialize(record[name], endpoint)}`;
        }
        return `${out}}`;
      }
      break;
    }
  }
  throw new TypeError(
    `Endpoint ${show(endpoint)} cannot be keyed: only strings, numbers, and arrays and plain ` +
      'objects of strings, numbers, booleans and null are keyed by default; pass the ' +
      '`endpointKey` option to key other endpoints',
  );
}
