/** Formats a value received from a user (an option, an endpoint) for an error message. */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    case 'bigint':
      return `${value}n`;
    case 'object': {
      if (value === null) return 'null';
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value) || proto === Object.prototype || proto === null) {
        try {
          return JSON.stringify(value);
        } catch {
          // Cyclic: fall through to the type name.
        }
      }
      const name = (value as { constructor?: { name?: string } }).constructor?.name;
      return `[object ${name || 'Object'}]`;
    }
    default:
      return String(value);
  }
}
