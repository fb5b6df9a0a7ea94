// Found by test/reliability/model.test.ts. With maintainMinIdle, an acquire that needs total
// capacity evicts another endpoint's idle connection, but disposing it replaces it at once
// (maintainMinIdle replenishes the evicted endpoint into the room just freed), and then the
// acquirer's create starts too: the pool holds totalMaxSize + 1 connections (rule 3), and the
// replacement was made by evicting for it, which §7 says maintainMinIdle never does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSizes, makePool, settle, useFakeClock, watchLimits } from '../helpers/pool.ts';

describe('regression: room freed by eviction taken by maintainMinIdle', () => {
  const clock = useFakeClock();

  it('keeps totalMaxSize when an eviction frees room', async () => {
    const limits = { maxSize: 1, totalMaxSize: 1 };
    const { pool, mock } = makePool({ ...limits, minIdle: 1, maintainMinIdle: true });
    const violations = watchLimits(pool, mock, ['a', 'c'], limits);
    const a1 = await pool.acquire('a');
    await pool.release(a1);

    const c = await pool.acquire('c'); // evicts a1: the only room there is
    await settle(clock);
    assert.equal(c.endpoint, 'c');
    assert.deepEqual(mock.disposed, [a1]);
    assert.deepEqual(violations, []);
    assertSizes(pool, 1, [
      ['a', 0, 0, 0],
      ['c', 1, 1, 0],
    ]);
    assert.deepEqual(
      mock.created.map((conn) => conn.endpoint),
      ['a', 'c'],
      'no replacement for the evicted connection while there is no room',
    );
  });
});
