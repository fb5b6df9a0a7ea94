// Found by test/reliability/model.test.ts (seeds 2010574542, 846742135, 33328114): with
// `maintainMinIdle` and one budget slot shared by two endpoints, the refill of one endpoint raced
// the acquirer of the other. The refill claimed the slot first, the acquirer's create was refused
// and evicted the refilled connection, whose disposal started the next refill, which again
// claimed first: creates without end at one instant. A refill yields to an endpoint of its scope
// that waits for budget, with its probe in flight or not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget, type MockConnection } from '../../src/testing/index.ts';
import {
  closePool,
  hangCreatesAfter,
  makePool,
  settle,
  type Tracked,
  track,
  useFakeClock,
} from '../helpers/pool.ts';

describe('regression: a minIdle refill under a shared budget', () => {
  const clock = useFakeClock();

  it('yields the slot to the acquirer of another endpoint of the scope', async () => {
    const budget = new MemoryBudget({ limit: 1, scope: () => 'db', pollInterval: 60_000 });
    const { pool, mock, log } = makePool({
      maxSize: 2,
      minIdle: 2,
      maintainMinIdle: true,
      maxUses: 1,
      budget,
    });
    hangCreatesAfter(mock, 20);
    const master = await pool.acquire('master');
    await settle(clock);
    // The replica's acquirer comes while the refill that follows the release is being created.
    let replica: Tracked<MockConnection> | undefined;
    const create = mock.create.bind(mock);
    mock.create = (endpoint, context) => {
      replica ??= track(pool.acquire('replica'));
      return create(endpoint, context);
    };
    await pool.release(master);
    await settle(clock);
    assert.ok(replica !== undefined);
    assert.equal(replica.state, 'fulfilled', 'the replica got the slot');
    assert.equal(replica.value?.endpoint, 'replica');
    assert.deepEqual(
      budget.claims.map((c) => [c.endpoint, c.answer]),
      [
        ['master', true],
        ['master', false],
        ['master', true],
        ['replica', false],
        ['master', true],
        ['replica', false],
        ['replica', true],
        ['replica', false],
      ],
    );
    assert.deepEqual(
      log.filter((e) => e.event === 'dispose').map((e) => [e.payload.endpoint, e.payload.reason]),
      [
        ['master', 'maxUses'],
        ['master', 'evicted'],
        ['master', 'evicted'],
      ],
    );
    assert.equal(budget.held('master'), 1, "the scope's one slot, the replica's");
    assert.deepEqual(
      pool.stats().endpoints.map((e) => [e.endpoint, e.size]),
      [
        ['master', 0],
        ['replica', 1],
      ],
      'the master waits to refill',
    );
    await pool.release(replica.value!);
    await closePool(pool, clock);
  });
});
