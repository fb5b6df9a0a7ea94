// Found by an adversarial review (issue 10). A connection whose onRelease failed went straight to
// the next waiter without a check. contrib/pg closes a client whose ROLLBACK failed in onRelease,
// and the README promises it is never reused; the waiter got the closed client. Such a connection
// still returns to the pool (rule 9), but is checked before anyone gets it, even within
// skipAlivenessCheckWithin.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closePool, disposeReasons, makePool, useFakeClock } from '../helpers/pool.ts';

describe('regression: a connection whose onRelease failed', () => {
  const clock = useFakeClock();

  for (const next of ['waiter', 'later acquire'] as const) {
    it(`is checked before a ${next} gets it`, async () => {
      const { pool, mock, log } = makePool({
        maxSize: 1,
        minIdle: 0,
        skipAlivenessCheckWithin: 1_000,
      });
      const x = await pool.acquire('a');
      const waiting = next === 'waiter' ? pool.acquire('a') : undefined;
      mock.once('onRelease', { error: new Error('rollback failed') });
      x.alive = false; // what the manager did to it
      await assert.rejects(pool.release(x), /rollback failed/);
      const got = await (waiting ?? pool.acquire('a'));
      assert.equal(got.id, 2);
      assert.deepEqual(disposeReasons(log), [[1, 'dead']]);
      await pool.release(got);
      await closePool(pool, clock);
    });
  }
});
