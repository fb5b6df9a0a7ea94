// Found while splitting src/pool.ts. A create that returns a connection already in the pool fails
// (rule 9's "counts roll back"), but the path for that duplicate never told `prewarm`, which
// waited for it forever. It must reject with the create's error, like any failed create.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPool } from '../../src/index.ts';
import { closePool, rejected, settle, track, useFakeClock } from '../helpers/pool.ts';

describe('regression: prewarm and a duplicate connection', () => {
  const clock = useFakeClock();

  it('prewarm rejects when create returns a connection the pool already holds', async () => {
    const shared = { id: 1 };
    let disposed = 0;
    const pool = new ConnectionPool<string, { id: number }>(
      {
        create: () => shared,
        dispose: () => {
          disposed++;
        },
      },
      { createRetryDelay: 0 },
    );
    const prewarming = track(pool.prewarm('a', 2));
    await settle(clock);
    const error = rejected(prewarming);
    assert.ok(error instanceof TypeError);
    assert.match((error as Error).message, /already in the pool/);
    assert.equal(pool.size, 1, 'the first create counts; the duplicate rolled back');
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    await closePool(pool, clock);
    assert.equal(disposed, 1, 'the one connection is disposed once');
  });
});
