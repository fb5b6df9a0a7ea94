/**
 * The default `db.client.connection.pool.name` of an endpoint: strings as they are, anything else
 * as JSON with object keys sorted, so endpoints the pool keys alike get one name.
 *
 * @example
 * defaultPoolName(['127.0.0.1', 5432]); // '["127.0.0.1",5432]'
 */
export function defaultPoolName(endpoint: unknown): string {
  if (typeof endpoint === 'string') return endpoint;
  try {
    return JSON.stringify(endpoint, sortKeys) ?? String(endpoint);
  } catch {
    return String(endpoint); // A bigint or a cycle: no JSON.
  }
}

function sortKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
