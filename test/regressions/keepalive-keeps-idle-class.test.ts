// Found by an adversarial review (issue 10). A persistent idle connection that keepalive found
// alive came back as if just released: re-classed by the counts of that moment, and then, idle
// longer than idleTimeout, disposed as 'idle'. A check is not a use: the connection keeps its
// class and its expiry (rule 2: a persistent connection expires only at maxLifetime).

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
    mock.once('checkAliveness', { delay: 100 });
    await clock.tickAsync(5_000); // the keepalive check of x starts
    const z = await pool.acquire('a'); // x is being checked: a new connection
    assert.equal(z.id, 2);
    await clock.tickAsync(100); // x found alive while z is acquired
    assert.deepEqual(disposeReasons(log), []);
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    await clock.tickAsync(1_000);
    assert.deepEqual(disposeReasons(log), [], 'x is still persistent, past idleTimeout');
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    await pool.release(z);
    await closePool(pool, clock);
  });
});
