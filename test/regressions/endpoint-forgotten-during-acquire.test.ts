// Found by test/reliability/model.test.ts (seed -64541942). An acquire that finds a dead idle
// connection retries; if that retry disposes the endpoint's last (expired) idle connection, the
// endpoint is forgotten (it holds nothing and nobody waits in its queue: the acquirer is between
// steps) while the acquirer goes on with it. The acquirer then queues and creates in the forgotten
// endpoint: the connection is counted in `size` but not in `getEndpointPoolSize` (rule 13), and the
// endpoint's next acquirers start from an empty endpoint, past maxSize (rule 3).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolTimeoutError } from '../../src/index.ts';
import { assertSizes, makePool, useFakeClock, watchLimits } from '../helpers/pool.ts';

describe('regression: endpoint forgotten while an acquire retries after a dead connection', () => {
  const clock = useFakeClock();

  it('keeps counting the connection the retry creates at its endpoint', async () => {
    const limits = { maxSize: 2, totalMaxSize: 10 };
    const { pool, mock } = makePool({
      ...limits,
      minIdle: 0,
      idleTimeout: 10,
      backgroundCollector: false,
    });
    const violations = watchLimits(pool, mock, ['a'], limits);
    const c1 = await pool.acquire('a');
    const c2 = await pool.acquire('a');
    await pool.release(c1); // idle until 10
    await clock.tickAsync(5);
    await pool.release(c2); // idle until 15, reused first (newest extra)
    c2.alive = false;
    await clock.tickAsync(5); // c1 expired; no collector disposes it yet

    // Checks c2 (dead, disposed), retries, disposes the expired c1, creates c3.
    const c3 = await pool.acquire('a');
    assert.equal(c3.id, 3);
    assert.deepEqual(
      mock.disposed.map((c) => c.id),
      [2, 1],
    );
    assertSizes(pool, 1, [['a', 1, 1, 0]], 'after the retry');

    // maxSize 2: one more connection fits, a third does not.
    await pool.acquire('a');
    await assert.rejects(pool.acquire('a', { timeout: 0 }), ConnectionPoolTimeoutError);
    assert.equal(mock.created.length, 4);
    assertSizes(pool, 2, [['a', 2, 2, 0]], 'at maxSize');
    assert.deepEqual(violations, []);
  });
});
