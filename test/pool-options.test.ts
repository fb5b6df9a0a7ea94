// SPEC section 3 (options, validation) and decision 9.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PoolOptions } from '../src/index.ts';
import { ConnectionPool } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import { MockConnectionManager } from '../src/testing/index.ts';
import { call, rejected, settle } from './helpers/pool.ts';

function make(options?: unknown): ConnectionPool<string, MockConnection> {
  return new ConnectionPool<string, MockConnection>(
    new MockConnectionManager(),
    options as PoolOptions<string>,
  );
}

function expectError(
  options: unknown,
  kind: typeof TypeError | typeof RangeError,
  ...mentions: string[]
): void {
  let thrown: unknown;
  try {
    make(options);
  } catch (error) {
    thrown = error;
  }
  assert.ok(
    thrown !== undefined,
    `expected ${kind.name} for ${Object.keys(Object(options)).join(', ')}`,
  );
  assert.ok(thrown instanceof kind, `expected ${kind.name}, got ${String(thrown)}`);
  assert.equal(
    (thrown as Error).constructor,
    kind,
    `exactly ${kind.name}, got ${(thrown as Error).constructor.name}`,
  );
  for (const m of mentions) {
    assert.ok(
      (thrown as Error).message.includes(m),
      `message should name ${JSON.stringify(m)}: ${(thrown as Error).message}`,
    );
  }
}

describe('options (section 3, decision 9)', () => {
  it('defaults', () => {
    for (const pool of [make(), make({}), make(undefined)]) {
      assert.equal(pool.idleTimeout, 60_000);
      assert.equal(pool.maxLifetime, 3_600_000);
      assert.equal(pool.minIdle, 1);
      assert.equal(pool.maxSize, 10);
      assert.equal(pool.totalMaxSize, 100);
      assert.equal(pool.size, 0);
      assert.equal(pool.isFull, false);
      assert.equal(pool.closed, false);
    }
  });

  it('given values are reported by the getters', () => {
    const pool = make({ idleTimeout: 5, maxLifetime: 10, minIdle: 2, maxSize: 3, totalMaxSize: 4 });
    assert.deepEqual(
      [pool.idleTimeout, pool.maxLifetime, pool.minIdle, pool.maxSize, pool.totalMaxSize],
      [5, 10, 2, 3, 4],
    );
  });

  it('undefined means the default', () => {
    const pool = make({
      acquireTimeout: undefined,
      createTimeout: undefined,
      disposeTimeout: undefined,
      disposeBatchSize: undefined,
      backgroundCollector: undefined,
      idleTimeout: undefined,
      maxLifetime: undefined,
      minIdle: undefined,
      maxSize: undefined,
      totalMaxSize: undefined,
      endpointKey: undefined,
      maintainMinIdle: undefined,
      maxLifetimeJitter: undefined,
      maxUses: undefined,
      maxWaiters: undefined,
      skipAlivenessCheckWithin: undefined,
      keepAliveInterval: undefined,
      leakDetectionThreshold: undefined,
      createRetryDelay: undefined,
      createRetryMaxDelay: undefined,
    });
    assert.deepEqual(
      [pool.idleTimeout, pool.maxLifetime, pool.minIdle, pool.maxSize, pool.totalMaxSize],
      [60_000, 3_600_000, 1, 10, 100],
    );
  });

  it('boundary values that are valid', () => {
    make({ minIdle: 0 });
    make({ idleTimeout: 0 });
    make({ disposeBatchSize: 0 });
    make({ maxSize: 1, minIdle: 1, totalMaxSize: 1 });
    make({ idleTimeout: 1000, maxLifetime: 1000 });
    make({ acquireTimeout: 0 });
    make({ acquireTimeout: Infinity });
    make({ backgroundCollector: false, disposeBatchSize: 3 });
    make({ endpointKey: (e: string) => e.toLowerCase() });
    const pool = make({ maxSize: 100, totalMaxSize: 100, minIdle: 100 });
    assert.equal(pool.minIdle, 100);
    // SPEC §7
    make({ maintainMinIdle: true });
    make({ maxLifetimeJitter: 0 });
    make({ maxLifetimeJitter: 0.999 });
    make({ maxUses: 1 });
    make({ maxUses: Infinity });
    make({ maxWaiters: 0 });
    make({ maxWaiters: Infinity });
    make({ skipAlivenessCheckWithin: 0 });
    make({ keepAliveInterval: 0 });
    make({ keepAliveInterval: 10 });
    make({ leakDetectionThreshold: 0 });
    make({ createRetryDelay: 0 });
    make({ createRetryDelay: 500, createRetryMaxDelay: 500 });
    make({ createRetryMaxDelay: Infinity });
  });

  it('an unknown key is a TypeError naming the key', () => {
    expectError({ maxsize: 5 }, TypeError, 'maxsize');
    expectError({ max_size: 5 }, TypeError, 'max_size');
    expectError({ minIdle: 1, timeout: 5 }, TypeError, 'timeout');
  });

  for (const [option, value] of [
    ['maxSize', '10'],
    ['maxSize', null],
    ['minIdle', true],
    ['totalMaxSize', {}],
    ['idleTimeout', '60000'],
    ['acquireTimeout', '1000'],
    ['createTimeout', []],
    ['disposeTimeout', false],
    ['disposeBatchSize', '1'],
    ['maxLifetime', 10n],
    ['backgroundCollector', 'false'],
    ['backgroundCollector', 0],
    ['endpointKey', 'host'],
    ['endpointKey', 5],
    ['maintainMinIdle', 1],
    ['maintainMinIdle', 'true'],
    ['maxLifetimeJitter', '0.1'],
    ['maxUses', '3'],
    ['maxWaiters', null],
    ['skipAlivenessCheckWithin', '100'],
    ['keepAliveInterval', true],
    ['leakDetectionThreshold', '1000'],
    ['createRetryDelay', '100'],
    ['createRetryMaxDelay', {}],
  ] as const) {
    it(`${option}: ${typeof value === 'bigint' ? '10n' : JSON.stringify(value)} is a TypeError naming the option and the value`, () => {
      const shown =
        typeof value === 'string'
          ? value
          : typeof value === 'bigint'
            ? '10'
            : value === null
              ? 'null'
              : undefined;
      expectError({ [option]: value }, TypeError, option, ...(shown !== undefined ? [shown] : []));
    });
  }

  for (const [option, value] of [
    ['acquireTimeout', -1],
    ['createTimeout', -1],
    ['disposeTimeout', -5],
    ['idleTimeout', -1],
    ['maxLifetime', -1],
    ['minIdle', -1],
    ['maxSize', -1],
    ['totalMaxSize', -1],
    ['disposeBatchSize', -1],
    ['acquireTimeout', Number.NaN],
    ['createTimeout', Number.NaN],
    ['idleTimeout', Number.NaN],
    ['minIdle', Number.NaN],
    ['maxSize', Number.NaN],
    ['minIdle', 0.5],
    ['maxSize', 1.5],
    ['totalMaxSize', 2.5],
    ['disposeBatchSize', 1.5],
    ['maxSize', Infinity],
    ['totalMaxSize', Infinity],
    ['minIdle', Infinity],
    ['disposeBatchSize', Infinity],
    ['maxSize', 0],
    ['createTimeout', 0],
    ['disposeTimeout', 0],
    // SPEC §7
    ['maxLifetimeJitter', -0.1],
    ['maxLifetimeJitter', 1],
    ['maxLifetimeJitter', Number.NaN],
    ['maxUses', 0],
    ['maxUses', 1.5],
    ['maxUses', -1],
    ['maxWaiters', -1],
    ['maxWaiters', 2.5],
    ['maxWaiters', Number.NaN],
    ['skipAlivenessCheckWithin', -1],
    ['keepAliveInterval', -1],
    ['keepAliveInterval', Number.NaN],
    ['leakDetectionThreshold', -5],
    ['createRetryDelay', -1],
    ['createRetryMaxDelay', -1],
  ] as const) {
    it(`${option}: ${value} is a RangeError naming the option and the value`, () => {
      expectError({ [option]: value }, RangeError, option, String(value));
    });
  }

  it('minIdle > maxSize is a RangeError', () => {
    expectError({ minIdle: 3, maxSize: 2 }, RangeError, 'minIdle', '3');
    expectError({ minIdle: 11 }, RangeError, 'minIdle', '11');
  });

  it('maxSize > totalMaxSize is a RangeError', () => {
    expectError({ maxSize: 20, totalMaxSize: 10 }, RangeError, 'maxSize', '20', 'totalMaxSize');
  });

  it('idleTimeout > maxLifetime is a RangeError', () => {
    expectError(
      { idleTimeout: 2000, maxLifetime: 1000 },
      RangeError,
      'idleTimeout',
      '2000',
      'maxLifetime',
    );
  });

  it('createRetryDelay > createRetryMaxDelay is a RangeError', () => {
    expectError({ createRetryMaxDelay: 50 }, RangeError, 'createRetryDelay', '100', '50');
    expectError(
      { createRetryDelay: 2000, createRetryMaxDelay: 1000 },
      RangeError,
      'createRetryMaxDelay',
      '2000',
    );
  });

  it('options that are not an object are a TypeError', () => {
    expectError(5, TypeError);
    expectError('fast', TypeError);
  });
});

describe('acquire options', () => {
  for (const [timeout, kind] of [
    [-1, RangeError],
    [Number.NaN, RangeError],
    ['5', TypeError],
    [null, TypeError],
  ] as const) {
    it(`timeout ${String(timeout)} rejects with a ${kind.name}, state unchanged`, async () => {
      const mock = new MockConnectionManager();
      const pool = new ConnectionPool<string, MockConnection>(mock);
      const t = call(() => pool.acquire('a', { timeout: timeout as number }));
      await settle();
      const err = rejected(t);
      assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
      assert.ok((err as Error).message.includes('timeout'), (err as Error).message);
      assert.equal(pool.size, 0);
      assert.equal(pool.getEndpointPoolSize('a'), 0);
      assert.deepEqual(mock.calls, []);
    });
  }

  it('timeout undefined means acquireTimeout', async () => {
    const mock = new MockConnectionManager();
    const pool = new ConnectionPool<string, MockConnection>(mock);
    const c = await pool.acquire('a', { timeout: undefined, signal: undefined });
    assert.equal(c.id, 1);
    await pool.release(c);
    await pool.close();
  });
});
