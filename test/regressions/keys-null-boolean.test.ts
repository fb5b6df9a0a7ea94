// Found by an adversarial review (issue 10). null, true and false were accepted as endpoints
// without endpointKey; rule 1 keys only strings, numbers, arrays and plain objects by themselves.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePool } from '../helpers/pool.ts';

describe('regression: endpoints that rule 1 cannot key', () => {
  for (const endpoint of [null, true, false]) {
    it(`${String(endpoint)} is a TypeError at acquire, and nothing is created`, async () => {
      const { pool, mock } = makePool<unknown>();
      await assert.rejects(pool.acquire(endpoint), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, new RegExp(String(endpoint)));
        return true;
      });
      assert.equal(mock.callsOf('create').length, 0);
      assert.equal(pool.size, 0);
      await pool.close();
    });
  }
});
