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
  const gauges = () => ({
    size: ledger.size,
    idle: ledger.idle,
    epSize: ep.size,
    acquired: ep.acquired,
    creating: ep.creating,
    persistent: ep.persistent.length,
    extra: ep.extra.length,
    records: ledger.records.size,
  });
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
    assert.deepEqual(gauges(), {
      size: 2,
      idle: 0,
      epSize: 2,
      acquired: 0,
      creating: 2,
      persistent: 0,
      extra: 0,
      records: 0,
    });
    ledger.createEnded(ep, null);
    assert.deepEqual(gauges(), {
      size: 1,
      idle: 0,
      epSize: 1,
      acquired: 0,
      creating: 1,
      persistent: 0,
      extra: 0,
      records: 0,
    });
    assert.equal(totals.created, 0);
  });

  it('moves a record through every state with the lists and counts that go with each', () => {
    const { ledger, gauges, totals, expiry, create } = setUp();
    const record = create('c1');
    assert.equal(record.state, 'reserved');
    assert.equal(totals.created, 1);
    assert.deepEqual(gauges(), {
      size: 1,
      idle: 0,
      epSize: 1,
      acquired: 1,
      creating: 0,
      persistent: 0,
      extra: 0,
      records: 1,
    });
    ledger.move(record, 'acquired', 1);
    ledger.move(record, 'releasing', 2);
    assert.deepEqual(gauges(), {
      size: 1,
      idle: 0,
      epSize: 1,
      acquired: 1,
      creating: 0,
      persistent: 0,
      extra: 0,
      records: 1,
    });
    record.persistent = false;
    record.expiresAt = 500;
    ledger.move(record, 'idle', 3);
    assert.deepEqual(gauges(), {
      size: 1,
      idle: 1,
      epSize: 1,
      acquired: 0,
      creating: 0,
      persistent: 0,
      extra: 1,
      records: 1,
    });
    assert.equal(expiry.victim(), record);
    ledger.move(record, 'reserved', 4);
    assert.deepEqual(gauges(), {
      size: 1,
      idle: 0,
      epSize: 1,
      acquired: 1,
      creating: 0,
      persistent: 0,
      extra: 0,
      records: 1,
    });
    assert.equal(expiry.victim(), undefined);
    record.persistent = true;
    record.expiresAt = 9_000;
    ledger.move(record, 'idle', 5);
    assert.equal(gauges().persistent, 1);
    ledger.move(record, 'disposed', 6);
    assert.deepEqual(gauges(), {
      size: 0,
      idle: 0,
      epSize: 0,
      acquired: 0,
      creating: 0,
      persistent: 0,
      extra: 0,
      records: 0,
    });
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
    assert.deepEqual(gauges(), {
      size: 0,
      idle: 0,
      epSize: 0,
      acquired: 0,
      creating: 0,
      persistent: 0,
      extra: 0,
      records: 0,
    });
  });
});
