import { inspect } from 'node:util';

/** A TCP or TLS endpoint: `[host, port]`, e.g. `['127.0.0.1', 5432]` or `['db.internal', 443]`. */
export type HostPort = readonly [host: string, port: number];

/**
 * Checks that `endpoint` is `[host, port]` with a non-empty host and a port in 1..65535; throws a
 * `TypeError` (wrong shape) or `RangeError` (bad port) naming the manager and the value received.
 */
export function checkHostPort(manager: string, endpoint: unknown): asserts endpoint is HostPort {
  if (
    !Array.isArray(endpoint) ||
    endpoint.length !== 2 ||
    typeof endpoint[0] !== 'string' ||
    endpoint[0] === '' ||
    typeof endpoint[1] !== 'number'
  ) {
    throw new TypeError(
      `${manager}: endpoint must be [host: string, port: number], got ${inspect(endpoint)}`,
    );
  }
  const port = endpoint[1];
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RangeError(
      `${manager}: endpoint port must be an integer from 1 to 65535, got ${inspect(port)}`,
    );
  }
}
