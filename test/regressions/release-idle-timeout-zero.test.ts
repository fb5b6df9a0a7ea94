// Found by an adversarial review (issue 10). With idleTimeout: 0 an extra connection is disposed at
// its release, but release() resolved before that dispose had settled, unlike the maxUses and
// lifetime paths, which wait for it as the README says.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred } from '../../src/testing/index.ts';
import { makePool, pending, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: release with idleTimeout 0', () => {
  const clock = useFakeClock();

  it('resolves once the dispose of the extra connection has settled', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, idleTimeout: 0 });
    const x = await pool.acquire('a');
    const gate = deferred();
    mock.set('dispose', { gate: gate.promise });
    const releasing = track(pool.release(x));
    await settle(clock);
    assert.equal(mock.callsOf('dispose').length, 1);
    assert.deepEqual(
      log.filter((r) => r.event === 'dispose').map((r) => r.payload.reason),
      ['idle'],
    );
    pending(releasing);
    gate.resolve();
    await settle(clock);
    assert.equal(releasing.state, 'fulfilled');
    assert.equal(pool.size, 0);
  });
});
