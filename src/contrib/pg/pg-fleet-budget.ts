import type pg from 'pg';
import type { BudgetClaimContext, ConnectionBudget } from '../../index.ts';

/** Options of a {@link PgFleetBudget}. */
export interface PgFleetBudgetOptions {
  /**
   * The budget's name: every process that passes the same name (and connects to the same
   * database) shares the same slots. Its lock namespace is derived from it (see
   * {@link PgFleetBudget.namespace}).
   */
  name: string;
  /**
   * The most connections the whole fleet may hold: one number for every endpoint (each endpoint
   * counted on its own database), or a number per endpoint name. Integers ≥ 1.
   */
  limit: number | Readonly<Record<string, number>>;
}

/**
 * The claim, one statement: tries the slots one at a time from `$3` on (wrapping at `$2`, the
 * limit) and stops at the first lock it gets. A recursive CTE makes one attempt per step and its
 * step runs only while nothing was taken, so the statement takes at most one lock whatever the
 * planner does (a `WHERE pg_try_advisory_lock(...) LIMIT 1` gives no such promise). It tries
 * nothing when the backend's pid is not `$4`, the one announced at login (null: not checked), and
 * returns the pid.
 */
const claimStatement = `WITH RECURSIVE attempt (n, slot, taken) AS (
  SELECT 1, $3::int, pg_try_advisory_lock($1::int, $3::int)
  WHERE $4::int IS NULL OR pg_backend_pid() = $4::int
  UNION ALL
  SELECT n + 1, (slot + 1) % $2::int, pg_try_advisory_lock($1::int, (slot + 1) % $2::int)
  FROM attempt WHERE NOT taken AND n < $2::int
)
SELECT (SELECT slot FROM attempt WHERE taken) AS slot, pg_backend_pid() AS pid`;

/**
 * A connection budget (`budget` option of a `ConnectionPool`) kept by PostgreSQL itself, for
 * pools of `PgConnectionManager`: the connections of every process that uses the budget `name`
 * number at most `limit` per endpoint, with nothing to run besides the database.
 *
 * How it works: each pooled connection holds one session-level advisory lock, its *slot*, out of
 * `limit` slots `pg_try_advisory_lock(namespace, 0 … limit - 1)`. A claim is one round trip,
 * right after the connect: one statement tries the slots from a random start and takes the first
 * one free (never more than one); none free means the budget is full and the pool closes the
 * connection again. A slot lives and dies with its session: `release` does no I/O, the slot comes
 * back when the pool's `dispose` ends the session, and the slots of a killed process, a lost
 * network or a restarted server come back when the server ends those sessions (no lease, no
 * clock). Nothing happens on the acquire or release of an idle connection.
 *
 * - **Lock keys**: the two-integer form, `(namespace, slot)`. `namespace` is the 32-bit FNV-1a
 *   hash of the UTF-8 bytes of `name`, as a signed integer. Advisory locks are per database, so
 *   endpoints that connect to the same database share its slots (give them the same `limit`).
 *   An application that takes its own two-integer advisory locks with that first key and a second
 *   key below `limit` collides with the slots; one-bigint locks never do (PostgreSQL keeps the two
 *   forms apart). Use a distinct name, such as `'myapp-connections'`, and check `namespace`
 *   against your own lock keys.
 * - **Scope**: the budget sees endpoint names only, not their host or database, so it has no
 *   `scope`: each endpoint is its own scope. Two names pointing at one database still share its
 *   slots in the database, but the pool does not evict one's idle connections to make room for
 *   the other (they free their slots as they idle out).
 * - **No `watch`**: a wake-up through `LISTEN`/`NOTIFY` needs a session of its own outside the
 *   budget in every process, and a killed process or a lost session sends no `NOTIFY`. The pool
 *   polls instead: while acquirers wait for budget, it tries one create (a connect and this
 *   claim) every 500 ms, jittered by up to half of that, per waiting process and endpoint.
 * - **Poolers**: behind a connection pooler in transaction or statement mode (PgBouncer, RDS
 *   Proxy, ...) a session lock stays on a server connection that other clients then use. A claim
 *   compares `pg_backend_pid()` with the process id the server announced at login (a pooler
 *   announces its own): when they differ it takes no lock and rejects, so the create fails with a
 *   `ConnectionBudgetUnavailableError`. Connect the budget's endpoints to PostgreSQL directly.
 *   (This refuses a pooler in session mode too, which it cannot tell apart; a client class
 *   without `processID`, such as `pg.native`'s, is not checked.)
 * - Do not run `pg_advisory_unlock_all()` or `DISCARD ALL` on pooled clients: they give the slot
 *   back while the connection lives.
 *
 * @example
 * ```ts
 * const budget = new PgFleetBudget({ name: 'myapp-connections', limit: 80 });
 * const pool = new ConnectionPool(new PgConnectionManager({ main: config }), {
 *   maxSize: 10,
 *   budget,
 * });
 * ```
 */
export class PgFleetBudget implements ConnectionBudget<string, pg.Client> {
  /** The budget's name, as given. */
  readonly name: string;
  /** The first key of the slot locks: the 32-bit FNV-1a hash of `name`, signed. */
  readonly namespace: number;
  readonly #limit: number | ReadonlyMap<string, number>;
  /** The slot each client claimed, until it is released. */
  readonly #slots = new WeakMap<pg.Client, number>();

  /**
   * @throws TypeError when `name` is not a non-empty string, or `limit` is neither a number nor
   *   an object of numbers; RangeError when a limit is not an integer ≥ 1.
   */
  constructor(options: PgFleetBudgetOptions) {
    const { name, limit } = (options ?? {}) as Partial<PgFleetBudgetOptions>;
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(
        `PgFleetBudget: name must be a non-empty string, got ${typeof name === 'string' ? '""' : kind(name)}`,
      );
    }
    this.name = name;
    this.namespace = fnv1a32(name);
    if (typeof limit === 'number') {
      this.#limit = checkedLimit(name, 'limit', limit);
    } else if (typeof limit === 'object' && limit !== null && !Array.isArray(limit)) {
      this.#limit = new Map(
        Object.entries<unknown>(limit).map(([endpoint, value]) => {
          const what = `limit[${JSON.stringify(endpoint)}]`;
          if (typeof value !== 'number') {
            throw new TypeError(
              `PgFleetBudget ${JSON.stringify(name)}: ${what} must be a number, got ${kind(value)}`,
            );
          }
          return [endpoint, checkedLimit(name, what, value)];
        }),
      );
    } else {
      throw new TypeError(
        `PgFleetBudget ${JSON.stringify(name)}: limit must be a number or an object of numbers by endpoint name, got ${kind(limit)}`,
      );
    }
  }

  /**
   * The most connections all processes together may hold to `endpoint`.
   *
   * @throws RangeError when `limit` is an object without `endpoint`.
   */
  limit(endpoint: string): number {
    if (typeof this.#limit === 'number') return this.#limit;
    const limit = this.#limit.get(endpoint);
    if (limit === undefined) {
      const known = [...this.#limit.keys()].map((key) => JSON.stringify(key)).join(', ');
      throw new RangeError(
        `PgFleetBudget ${JSON.stringify(this.name)} has no limit for endpoint ${JSON.stringify(endpoint)}; it has limits for ${known || 'no endpoint'}`,
      );
    }
    return limit;
  }

  /**
   * Takes a free slot for `client` in one round trip: `true` when it got one, `false` when all
   * `limit(endpoint)` slots are held.
   *
   * @throws the query's error; an Error when a pooler sits between the client and PostgreSQL;
   *   `signal.reason` when aborted (the pool then disposes the client, which frees any slot).
   */
  async claim(
    endpoint: string,
    client: pg.Client,
    { signal }: BudgetClaimContext,
  ): Promise<boolean> {
    const limit = this.limit(endpoint);
    signal.throwIfAborted();
    const start = Math.floor(Math.random() * limit);
    const processID = (client as { processID?: unknown }).processID;
    const announced = typeof processID === 'number' ? processID : null;
    const query = client.query<{ slot: number | null; pid: number }>(claimStatement, [
      this.namespace,
      limit,
      start,
      announced,
    ]);
    const { rows } = await untilAborted(signal, query);
    const row = rows[0];
    if (announced !== null && row !== undefined && row.pid !== announced) {
      throw new Error(
        `PgFleetBudget ${JSON.stringify(this.name)}: endpoint ${JSON.stringify(endpoint)} is reached through a connection pooler ` +
          `(the session's backend pid ${row.pid} is not the ${announced} announced at login): session-level advisory locks ` +
          'do not hold behind a transaction-mode pooler such as PgBouncer; connect the budget to PostgreSQL directly',
      );
    }
    if (row?.slot === null || row?.slot === undefined) return false;
    this.#slots.set(client, row.slot);
    return true;
  }

  /**
   * Forgets `client`'s slot. No I/O: the slot is freed when the pool's `dispose` ends the
   * session, so a backend never outlives its slot.
   */
  release(_endpoint: string, client: pg.Client): void {
    this.#slots.delete(client);
  }

  /** The slot `client` holds, `0 … limit - 1`, or `undefined` when it holds none of this budget. */
  slotOf(client: pg.Client): number | undefined {
    return this.#slots.get(client);
  }
}

/** Resolves as `operation` does, or rejects with `signal.reason` as soon as `signal` aborts. */
function untilAborted<T>(signal: AbortSignal, operation: Promise<T>): Promise<T> {
  let stop = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
  });
  return Promise.race([operation, aborted]).finally(() =>
    signal.removeEventListener('abort', stop),
  );
}

function checkedLimit(name: string, what: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `PgFleetBudget ${JSON.stringify(name)}: ${what} must be an integer ≥ 1, got ${value}`,
    );
  }
  return value;
}

/** FNV-1a, 32 bits, of the UTF-8 bytes of `text`, as a signed 32-bit integer (PostgreSQL's int). */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return hash | 0;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
