/**
 * Formats a value received from a user (an option, an endpoint) for an error message. Arrays and
 * plain objects read like JSON, but every value is shown as it is: a property or element holding
 * `undefined` shows `undefined` (JSON would drop it or print `null`), `NaN` and `-0` show as such,
 * and a value that contains itself shows `[Circular]` where it recurs.
 */
export function show(value: unknown): string {
  return format(value, []);
}

/** `ancestors`: the arrays and objects being formatted around `value`, outermost first. */
function format(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    case 'bigint':
      return `${value}n`;
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.includes(value)) return '[Circular]';
      const proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name;
        return `[object ${name || 'Object'}]`;
      }
      ancestors.push(value);
      const out = Array.isArray(value)
        ? `[${Array.from(value, (item) => format(item, ancestors)).join(',')}]`
        : `{${Object.entries(value)
            .map(([name, item]) => `${JSON.stringify(name)}:${format(item, ancestors)}`)
            .join(',')}}`;
      ancestors.pop();
      return out;
    }
    default:
      return String(value);
  }
}
