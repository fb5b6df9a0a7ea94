// Found by test/reliability/model.test.ts (seed 658871014). close() cancels the create backoff's
// wake-up timer, but a create that close() aborts fails after that, starts a backoff and schedules
// the wake-up again: the closed pool keeps a timer (createRetryDelay + createRetryMaxDelay, about
// 30 s) holding it in memory. A closed pool should leave no timer behind.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolClosedError } from '../../src/index.ts';
import { closePool, makePool, rejected, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: backoff timer scheduled after close', () => {
  const clock = useFakeClock();

  it('a create aborted by close leaves no timer running', async () => {
    const { pool, mock } = makePool();
    mock.once('create', { delay: 10 });
    const acquiring = track(pool.acquire('a'));
    await settle(clock);
    await closePool(pool, clock);
    assert.ok(rejected(acquiring) instanceof ConnectionPoolClosedError);
    assert.equal(mock.aborted.length, 1, 'the create was aborted');
    assert.equal(clock.countTimers(), 0, 'timers left after close');
  });
});
