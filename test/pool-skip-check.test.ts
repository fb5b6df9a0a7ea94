// SPEC §7 skipAlivenessCheckWithin: a recently released connection is reused without a check.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePool, useFakeClock } from './helpers/pool.ts';

describe('skipAlivenessCheckWithin (SPEC §7)', () => {
  const clock = useFakeClock();

  it('released less than this long ago: reused unchecked; at or beyond it: checked', async () => {
    const { pool, mock } = makePool({ skipAlivenessCheckWithin: 1000 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    await clock.tickAsync(999);
    assert.equal(await pool.acquire('a'), c1);
    assert.equal(mock.callsOf('checkAliveness').length, 0);
    await pool.release(c1);
    await clock.tickAsync(1000);
    assert.equal(await pool.acquire('a'), c1);
    assert.equal(mock.callsOf('checkAliveness').length, 1);
  });

  it('the window runs from the last release, not from creation', async () => {
    const { pool, mock } = makePool({ skipAlivenessCheckWithin: 100 });
    const c1 = await pool.acquire('a');
    await clock.tickAsync(5000);
    await pool.release(c1);
    await clock.tickAsync(50);
    await pool.acquire('a');
    assert.equal(mock.callsOf('checkAliveness').length, 0);
  });

  it('a dead connection inside the window is handed out unchecked: that is the trade-off', async () => {
    const { pool } = makePool({ skipAlivenessCheckWithin: 1000 });
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    c1.alive = false;
    assert.equal(await pool.acquire('a'), c1);
  });

  it('by default (0) every reuse is checked', async () => {
    const { pool, mock } = makePool();
    const c1 = await pool.acquire('a');
    await pool.release(c1);
    await pool.acquire('a');
    assert.equal(mock.callsOf('checkAliveness').length, 1);
  });
});
