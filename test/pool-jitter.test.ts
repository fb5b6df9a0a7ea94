// SPEC §7 maxLifetimeJitter: connections made together do not expire together.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionPool } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import type { Clock } from './helpers/pool.ts';
import { makePool, useFakeClock } from './helpers/pool.ts';

const N = 100;
const LIFETIME = 100_000;

/** Opens N connections at once, releases them all, and returns the times they were disposed. */
async function expiryTimes(
  pool: ConnectionPool<string, MockConnection>,
  clock: Clock,
): Promise<number[]> {
  const times: number[] = [];
  pool.on('dispose', ({ reason }) => {
    assert.equal(reason, 'lifetime');
    times.push(clock.now);
  });
  const held = await Promise.all(Array.from({ length: N }, () => pool.acquire('a')));
  await Promise.all(held.map((c) => pool.release(c)));
  await clock.tickAsync(LIFETIME + 1);
  return times;
}

describe('maxLifetimeJitter (SPEC §7)', () => {
  const clock = useFakeClock();

  const options = { minIdle: N, maxSize: N, totalMaxSize: N, maxLifetime: LIFETIME };

  it('100 connections made together expire spread over [maxLifetime * (1 - jitter), maxLifetime]', async () => {
    const { pool } = makePool({ ...options, maxLifetimeJitter: 0.5 });
    const times = await expiryTimes(pool, clock);
    assert.equal(times.length, N, 'every connection expired by maxLifetime');
    assert.ok(Math.min(...times) >= LIFETIME * 0.5, `none before ${LIFETIME * 0.5}`);
    assert.ok(Math.max(...times) <= LIFETIME, `none after ${LIFETIME}`);
    // Uniform over 50 s: 100 draws almost surely fall on well over 50 distinct milliseconds, and
    // both halves of the range get some.
    assert.ok(new Set(times).size > 50, `spread: ${new Set(times).size} distinct times`);
    assert.ok(times.some((t) => t < LIFETIME * 0.75));
    assert.ok(times.some((t) => t > LIFETIME * 0.75));
  });

  it('without jitter they all expire in the same tick', async () => {
    const { pool } = makePool(options);
    const times = await expiryTimes(pool, clock);
    assert.equal(times.length, N);
    assert.deepEqual(new Set(times), new Set([LIFETIME]));
  });
});
