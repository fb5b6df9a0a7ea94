// `await using` with a lease and with the pool (separate file: a runtime without explicit
// resource management fails only here).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPool } from '../src/index.ts';
import type { MockConnection } from '../src/testing/index.ts';
import { MockConnectionManager } from '../src/testing/index.ts';

describe('await using', () => {
  it('releases the lease at the end of the scope, also when the scope throws', async () => {
    const mock = new MockConnectionManager();
    const pool = new ConnectionPool<string, MockConnection>(mock, { minIdle: 0 });
    {
      await using lease = await pool.lease('a');
      assert.equal(pool.getEndpointPoolSize('a', true), 1);
      assert.equal(lease.connection.id, 1);
    }
    assert.equal(pool.getEndpointPoolSize('a', true), 0);
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    const err = new Error('in scope');
    await assert.rejects(
      async () => {
        await using lease = await pool.lease('a');
        assert.equal(lease.connection.id, 1);
        throw err;
      },
      (e) => e === err,
    );
    assert.equal(pool.getEndpointPoolSize('a', true), 0);
    assert.equal(pool.getEndpointPoolSize('a', false), 1);
    await pool.close();
  });

  it('closes the pool at the end of the scope', async () => {
    const mock = new MockConnectionManager();
    let outer: ConnectionPool<string, MockConnection> | undefined;
    {
      await using pool = new ConnectionPool<string, MockConnection>(mock, { minIdle: 0 });
      outer = pool;
      await pool.release(await pool.acquire('a'));
    }
    assert.equal(outer.closed, true);
    assert.equal(outer.size, 0);
    assert.deepEqual(mock.disposed, mock.created);
  });
});
