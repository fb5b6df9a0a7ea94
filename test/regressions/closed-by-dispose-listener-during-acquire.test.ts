// Found in code review. An acquirer that met a dead connection goes on with the next idle one;
// taking it disposes expired ones first, and a `dispose` listener may call close() right then.
// The acquirer was then queued in the closed pool: a create started after close, and the acquire
// ended with a timeout (or never, without one) instead of ConnectionPoolClosedError (rule 12).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolClosedError } from '../../src/index.ts';
import { closePool, makePool, rejected, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: pool closed by a dispose listener during an acquire', () => {
  const clock = useFakeClock();

  it('the acquire rejects with ConnectionPoolClosedError at once and creates nothing', async () => {
    const { pool, mock } = makePool({
      minIdle: 0,
      idleTimeout: 50,
      backgroundCollector: false,
      acquireTimeout: 1000,
    });
    const x = await pool.acquire('a');
    const y = await pool.acquire('a');
    await pool.release(x);
    await clock.tickAsync(30);
    await pool.release(y);
    await clock.tickAsync(35); // x is past idleTimeout, y is not
    y.alive = false;
    let closing: Promise<void> | undefined;
    pool.on('dispose', ({ reason }) => {
      if (reason === 'idle') closing = pool.close();
    });
    const acquiring = track(pool.acquire('a'));
    await settle(clock);
    assert.ok(rejected(acquiring) instanceof ConnectionPoolClosedError);
    assert.equal(mock.callsOf('create').length, 2, 'no create after close');
    assert.ok(closing !== undefined);
    await closePool(pool, clock);
    assert.equal(pool.size, 0);
  });
});
