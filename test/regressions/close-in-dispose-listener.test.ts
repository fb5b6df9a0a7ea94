// Found by an adversarial review (issue 10). close() called from a `dispose` listener resolved
// before that very dispose had run: the listener ran before the pool called `manager.dispose`, and
// close saw nothing left to wait for. Rule 12: close resolves only after every dispose has settled.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred } from '../../src/testing/index.ts';
import { makePool, pending, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: close() from a dispose listener', () => {
  const clock = useFakeClock();

  it('resolves only after that dispose has settled', async () => {
    const { pool, mock } = makePool({ minIdle: 0 });
    const x = await pool.acquire('a');
    const gate = deferred();
    mock.set('dispose', { gate: gate.promise });
    let closing: ReturnType<typeof track<void>> | undefined;
    pool.on('dispose', () => {
      closing ??= track(pool.close());
    });
    const discarding = track(pool.discard(x));
    await settle(clock);
    assert.ok(closing !== undefined);
    pending(closing);
    pending(discarding);
    assert.equal(mock.callsOf('dispose').length, 1);
    gate.resolve();
    await settle(clock);
    assert.equal(closing.state, 'fulfilled');
    assert.equal(discarding.state, 'fulfilled');
  });
});
