// Found by an adversarial review (issue 10). A persistent idle connection that keepalive found
// alive came back as if just released: re-classed, and then, idle longer than idleTimeout, disposed
// as 'idle'. A persistent connection expires only at maxLifetime (rule 2); a check is not a use.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closePool, disposeReasons, makePool, useFakeClock } from '../helpers/pool.ts';

describe('regression: keepalive and the idle class', () => {
  const clock = useFakeClock();

  it('a persistent connection found alive stays persistent and idle', async () => {
    const { pool, mock, log } = makePool({
      minIdle: 1,
      idleTimeout: 1_000,
      maxLifetime: 60_000,
      keepAliveInterval: 5_000,
    });
    const x = await pool.acquire('a');
    await pool.release(x); // persistent: nothing else is acquired
    const y = await pool.acquire('a', { timeout: 0 }); // takes x
    const z = await pool.acquire('a');
    await pool.release(y);
    assert.equal(y, x);
    // x is persistent again (only z is acquired); z stays acquired, so a re-classing of x at
    // the end of its check would make it extra, long past idleTimeout.
    await clock.tickAsync(5_000);
    assert.equal(mock.callsOf('checkAliveness').length, 1);
    assert.deepEqual(disposeReasons(log), []);
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    await clock.tickAsync(5_000);
    assert.equal(mock.callsOf('checkAliveness').length, 2);
    assert.deepEqual(disposeReasons(log), []);
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    await pool.release(z);
    await closePool(pool, clock);
  });
});
