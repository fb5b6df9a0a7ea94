// pgPoolOptions: each pg.Pool option becomes the ConnectionPool option that gives it pg's meaning
// (the table of README "Coming from pg.Pool"), and PgPool builds its pool with them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PgPool, pgPoolOptions } from '../../../src/contrib/pg/index.ts';

const INF = Number.POSITIVE_INFINITY;
/** What no pg option changes. */
const BASE = {
  acquireTimeout: INF,
  createTimeout: INF,
  idleTimeout: 10_000,
  minIdle: 0,
  maxUses: INF,
  createRetryDelay: 0,
  maxSize: 10,
  totalMaxSize: 10,
  maxLifetime: INF,
};

describe('pgPoolOptions', () => {
  it("gives every pg option pg's default and meaning", () => {
    const cases: Array<[object, object]> = [
      [{}, {}],
      [{ max: 5 }, { maxSize: 5, totalMaxSize: 5 }],
      [{ max: 0 }, {}], // pg: 0 is the default
      [{ poolSize: 7 }, { maxSize: 7, totalMaxSize: 7 }],
      [{ min: 3 }, { minIdle: 3 }],
      [
        { min: 20, max: 5 },
        { minIdle: 5, maxSize: 5, totalMaxSize: 5 },
      ],
      [{ idleTimeoutMillis: 0 }, { idleTimeout: INF }],
      [{ idleTimeoutMillis: null }, { idleTimeout: INF }],
      [{ idleTimeoutMillis: 250 }, { idleTimeout: 250 }],
      [{ maxLifetimeSeconds: 0 }, {}],
      [{ maxLifetimeSeconds: 2 }, { maxLifetime: 2_000, idleTimeout: 2_000 }],
      [{ maxUses: 0 }, {}],
      [{ maxUses: 7_500 }, { maxUses: 7_500 }],
      [{ connectionTimeoutMillis: 0 }, {}],
      [{ connectionTimeoutMillis: 2_000 }, { acquireTimeout: 2_000, createTimeout: 2_000 }],
    ];
    for (const [config, expected] of cases) {
      assert.deepEqual(pgPoolOptions(config), { ...BASE, ...expected }, JSON.stringify(config));
    }
  });

  it('lets the pool option override, with totalMaxSize following maxSize', () => {
    assert.deepEqual(
      pgPoolOptions({ max: 5 }, { maxSize: 8, createRetryDelay: 100, maxWaiters: 50 }),
      { ...BASE, maxSize: 8, totalMaxSize: 8, createRetryDelay: 100, maxWaiters: 50 },
    );
    assert.deepEqual(pgPoolOptions({}, { maxLifetime: 5_000 }), {
      ...BASE,
      maxLifetime: 5_000,
      idleTimeout: 5_000,
    });
    assert.deepEqual(pgPoolOptions({}, { maxSize: 4, totalMaxSize: 6 }), {
      ...BASE,
      maxSize: 4,
      totalMaxSize: 6,
    });
  });

  it('PgPool builds its pool with them and rejects a bad pool option', () => {
    const pool = new PgPool({ max: 3, min: 1, idleTimeoutMillis: 0 });
    assert.deepEqual(
      [pool.pool.maxSize, pool.pool.minIdle, pool.pool.idleTimeout, pool.pool.maxLifetime],
      [3, 1, INF, INF],
    );
    assert.equal(pool.endpoint, 'default');
    assert.throws(() => new PgPool({ pool: { maxSize: 0 } }), RangeError);
    assert.throws(() => new PgPool({ pool: { bogus: 1 } as never }), TypeError);
    return pool.end();
  });
});
