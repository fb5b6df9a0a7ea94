// Found by test/reliability/model.test.ts (seed -652215940). A connection that a hook failed on is
// checked before its next use, even within `skipAlivenessCheckWithin`. When that check was
// synchronous and found it alive, the pool handed it out at once but kept it marked: it was checked
// again at every later reuse (and, handed to a waiter, found dead where the check should have been
// skipped), until a check took the slower path.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockConnectionManager } from '../../src/testing/index.ts';
import { closePool, makePool, rejected, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: a suspect connection a synchronous check found alive', () => {
  const clock = useFakeClock();

  it('is suspect no more: its next reuse within skipAlivenessCheckWithin is not checked', async () => {
    const mock = new MockConnectionManager<string>({ sync: true });
    const { pool } = makePool({ maxSize: 1, skipAlivenessCheckWithin: 1000 }, mock);
    mock.once('onAcquire', { error: new Error('reset failed') });
    const first = track(pool.acquire('db'));
    await settle(clock);
    assert.equal((rejected(first) as Error).message, 'reset failed');
    const conn = await pool.acquire('db');
    assert.equal(mock.callsOf('checkAliveness').length, 1, 'checked once: onAcquire failed on it');
    await pool.release(conn);
    const again = await pool.acquire('db');
    assert.equal(again, conn);
    assert.equal(mock.callsOf('checkAliveness').length, 1, 'released just now: not checked');
    await pool.release(again);
    await closePool(pool, clock);
  });
});
