import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointPool } from '../../src/endpoint-pool.ts';
import { ConnectionRecord } from '../../src/internal/connection-record.ts';
import { ExpiryCollector } from '../../src/internal/expiry-collector.ts';
import { Ledger } from '../../src/internal/ledger.ts';
import { newTotals } from '../../src/stats.ts';

function setUp() {
  const expiry = new ExpiryCollector<string, string>(false, 0, () => undefined);
  const totals = newTotals();
  const ledger = new Ledger(expiry, totals);
  const ep = new EndpointPool<string, string>('db', 'db');
  /**
   * [size, idle, endpoint size, acquired, creating, persistent, extra, records]: the pool's and the
   * endpoint's counts and lists, in one row.
   */
  const gauges = () => [
    ledger.size,
    ledger.idle,
    ep.size,
    ep.acquired,
    ep.creating,
    ep.persistent.length,
    ep.extra.length,
    ledger.records.size,
  ];
  /** A create for `ep` that succeeds with `connection`: counted as reserved. */
  const create = (connection: string): ConnectionRecord<string, string> => {
    ledger.createStarted(ep);
    const record = new ConnectionRecord(ep, 'db', connection, 0, 10_000);
    ledger.createEnded(ep, record);
    return record;
  };
  return { ledger, ep, expiry, totals, gauges, create };
}

describe('Ledger', () => {
  it('counts a create in flight in size and creating, and a failed one not at all', () => {
    const { ledger, ep, gauges, totals } = setUp();
    ledger.createStarted(ep);
    ledger.createStarted(ep);
    assert.deepEqual(gauges(), [2, 0, 2, 0, 2, 0, 0, 0]);
    ledger.createEnded(ep, null);
    assert.deepEqual(gauges(), [1, 0, 1, 0, 1, 0, 0, 0]);
    assert.equal(totals.created, 0);
  });

  it('moves a record through every state with the lists and counts that go with each', () => {
    const { ledger, gauges, totals, expiry, create } = setUp();
    const record = create('c1');
    assert.equal(record.state, 'reserved');
    assert.equal(totals.created, 1);
    assert.deepEqual(gauges(), [1, 0, 1, 1, 0, 0, 0, 1]);
    ledger.move(record, 'acquired', 1);
    ledger.move(record, 'releasing', 2);
    assert.deepEqual(gauges(), [1, 0, 1, 1, 0, 0, 0, 1]);
    record.persistent = false;
    record.expiresAt = 500;
    ledger.move(record, 'idle', 3);
    assert.deepEqual(gauges(), [1, 1, 1, 0, 0, 0, 1, 1]);
    assert.equal(expiry.victim(), record);
    ledger.move(record, 'reserved', 4);
    assert.deepEqual(gauges(), [1, 0, 1, 1, 0, 0, 0, 1]);
    assert.equal(expiry.victim(), undefined);
    record.persistent = true;
    record.expiresAt = 9_000;
    ledger.move(record, 'idle', 5);
    assert.equal(gauges()[5], 1, 'persistent');
    ledger.move(record, 'disposed', 6);
    assert.deepEqual(gauges(), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(totals.disposed, 1);
    assert.equal(record.acquisition, null);
  });

  it('disposes from acquired and from idle alike', () => {
    const { ledger, gauges, create } = setUp();
    const a = create('a');
    const b = create('b');
    ledger.move(a, 'acquired', 1);
    b.expiresAt = 100;
    ledger.move(b, 'idle', 1);
    ledger.move(a, 'disposed', 2);
    ledger.move(b, 'disposed', 2);
    assert.deepEqual(gauges(), [0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
