// Found by test/reliability/model.test.ts (seed 3, 10,000 runs). With maintainMinIdle and no
// create backoff (createRetryDelay 0), an acquirer that finds its idle connections dead loops:
// each dead one is disposed, maintainMinIdle replaces it at once with a fresh idle connection, the
// acquirer (retrying, rule 8) checks that one first, finds it dead, and so on. The loop never
// yields to the timers, so the acquire's own deadline (rule 6) cannot end it: the process spins.
// The guard below stops the loop after 1,000 creates so that the test fails instead of hanging.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hangCreatesAfter, makePool, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: maintainMinIdle refills while an acquirer finds dead connections', () => {
  const clock = useFakeClock();

  it('an acquire that meets dead connections ends within its deadline', async () => {
    const { pool, mock } = makePool({
      maxSize: 2,
      minIdle: 2,
      maintainMinIdle: true,
      createRetryDelay: 0,
      maxUses: 1,
    });
    const first = await pool.acquire('b');
    await pool.release(first); // maxUses 1: disposed; maintainMinIdle refills 2 idle
    await settle(clock);
    mock.set('checkAliveness', { alive: false });
    hangCreatesAfter(mock, 1_000);

    const acquiring = track(pool.acquire('b', { timeout: 10 }));
    await settle(clock);
    await clock.tickAsync(10);
    assert.ok(mock.callsOf('create').length < 20, `${mock.callsOf('create').length} creates`);
    assert.notEqual(acquiring.state, 'pending');
    // The acquirer may hold its connection: close({ timeout: 0 }) disposes it anyway.
    const closing = track(pool.close({ timeout: 0 }));
    await clock.tickAsync(10_000);
    assert.equal(closing.state, 'fulfilled');
    assert.equal(pool.size, 0);
  });
});
