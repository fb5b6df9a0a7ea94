// Found by an adversarial review (issue 10). A connection whose maxLifetime ended while its
// aliveness check or onAcquire ran was handed out (rule 10: nothing past maxLifetime is ever
// handed out). It is disposed as 'lifetime' instead, and the acquire goes on with a new one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closePool, disposeReasons, makePool, useFakeClock } from '../helpers/pool.ts';

describe('regression: maxLifetime ends while a connection is prepared for an acquirer', () => {
  const clock = useFakeClock();

  for (const hook of ['checkAliveness', 'onAcquire'] as const) {
    it(`during ${hook}: the connection is disposed, a fresh one handed out`, async () => {
      const { pool, mock, log } = makePool({ maxLifetime: 1_000, idleTimeout: 1_000 });
      const x = await pool.acquire('a');
      await pool.release(x);
      await clock.tickAsync(900);
      mock.once(hook, { delay: 200 });
      const acquiring = pool.acquire('a');
      await clock.tickAsync(200);
      const got = await acquiring;
      assert.equal(got.id, 2);
      assert.deepEqual(disposeReasons(log), [[1, 'lifetime']]);
      await pool.release(got);
      await closePool(pool, clock);
    });
  }
});
