// Found by an adversarial review (issue 10). close({ timeout }) never settled while a `create`
// ignored its abort signal and never settled, whether that create was still in flight or had been
// given up by createTimeout: the process could exit with close unsettled. The timeout is there for
// exactly the manager that misbehaves (rule 12). A connection such a create returns late is still
// disposed, once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred, type MockConnection } from '../../src/testing/index.ts';
import {
  assertDisposedExactlyOnce,
  makePool,
  pending,
  settle,
  track,
  useFakeClock,
} from '../helpers/pool.ts';

describe('regression: close({ timeout }) with a create that ignores its signal', () => {
  const clock = useFakeClock();

  for (const when of ['in flight', 'given up by createTimeout'] as const) {
    it(`settles at its timeout with the create ${when}`, async () => {
      const { pool, mock } = makePool({ createTimeout: 1_000, acquireTimeout: 5_000 });
      const gate = deferred();
      mock.once('create', { gate: gate.promise, ignoreSignal: true });
      const acquiring = track(pool.acquire('a'));
      acquiring.promise.catch(() => undefined);
      if (when === 'given up by createTimeout') await clock.tickAsync(1_000);
      await settle(clock);
      const closing = track(pool.close({ timeout: 100 }));
      await clock.tickAsync(99);
      pending(closing);
      await clock.tickAsync(1);
      await settle(clock);
      assert.equal(closing.state, 'fulfilled');
      assert.equal(pool.size, 0);
      gate.resolve();
      await settle(clock);
      assert.equal(mock.created.length, 1);
      assertDisposedExactlyOnce(mock as never);
      assert.equal((mock.disposed[0] as MockConnection).id, 1);
    });
  }
});

describe('regression: close() then close({ timeout }) with a create that never settles', () => {
  const clock = useFakeClock();

  // Found by the re-entrant model test: a second close returned the first one's promise, which
  // had no timeout, so the timeout the caller gave bounded nothing.
  it('the later timeout bounds the close', async () => {
    const { pool, mock } = makePool({ createTimeout: 60_000 });
    mock.once('create', { gate: deferred().promise, ignoreSignal: true });
    pool.acquire('a').catch(() => undefined);
    await settle(clock);
    const first = track(pool.close());
    const second = track(pool.close({ timeout: 10 }));
    assert.equal(first.promise, second.promise);
    await clock.tickAsync(9);
    pending(second);
    await clock.tickAsync(1);
    await settle(clock);
    assert.equal(second.state, 'fulfilled');
    assert.equal(pool.size, 0);
  });
});
