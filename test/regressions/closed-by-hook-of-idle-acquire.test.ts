// Found by test/reliability/model.test.ts (seeds -1164942080, -1181017644). An acquire served from
// idle runs `checkAliveness` (and `onAcquire`) before it has an acquisition of its own, for speed.
// A hook that called close() found no acquirer to fail; when the hook then never settled (it
// ignores the abort close sends it), the acquire was left pending for ever, though the pool was
// closed (rule 12).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolClosedError } from '../../src/index.ts';
import { MockConnectionManager } from '../../src/testing/index.ts';
import { NEVER } from '../helpers/async.ts';
import { makePool, rejected, settle, type Tracked, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: a hook of an acquire from idle closes the pool, then hangs', () => {
  const clock = useFakeClock();

  for (const hook of ['checkAliveness', 'onAcquire'] as const) {
    it(`${hook}: the acquire rejects with ConnectionPoolClosedError at once`, async () => {
      // Synchronous hooks: checkAliveness answers at once, so onAcquire runs in the acquire call.
      const mock = new MockConnectionManager<string>({ sync: true });
      const { pool } = makePool({ maxSize: 1, skipAlivenessCheckWithin: 0 }, mock);
      await pool.prewarm('db', 1);
      let closing: Tracked<void> | undefined;
      mock[hook] = () => {
        closing = track(pool.close({ timeout: 100 }));
        return NEVER;
      };
      const acquired = track(pool.acquire('db'));
      await settle(clock);
      assert.ok(rejected(acquired) instanceof ConnectionPoolClosedError);
      assert.equal(closing?.state, 'pending', 'close waits for the connection the hook holds');
      await clock.tickAsync(100);
      assert.equal(closing?.state, 'fulfilled', 'close({ timeout }) disposed it');
      assert.deepEqual(
        mock.disposed.map((c) => c.id),
        [1],
      );
    });
  }
});
