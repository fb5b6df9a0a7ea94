import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointPool } from '../../src/endpoint-pool.ts';
import { ConnectionRecord } from '../../src/internal/connection-record.ts';
import { ExpiryCollector } from '../../src/internal/expiry-collector.ts';
import { useFakeClock } from '../helpers/async.ts';

type Rec = ConnectionRecord<string, string>;

/** A collector whose `expire` removes the record, as the pool's disposal does, and logs it. */
function setUp(background: boolean, batchSize = 0) {
  const expired: string[] = [];
  const collector: ExpiryCollector<string, string> = new ExpiryCollector(
    background,
    batchSize,
    (record) => {
      collector.remove(record);
      expired.push(`${record.connection}@${Date.now()}`);
    },
  );
  const ep = new EndpointPool<string, string>('db', 'db');
  const idle = (connection: string, expiresAt: number, persistent = false): Rec => {
    const record = new ConnectionRecord(ep, 'db', connection, 0, 1_000_000);
    record.expiresAt = expiresAt;
    record.persistent = persistent;
    collector.add(record);
    return record;
  };
  return { collector, expired, idle };
}

describe('ExpiryCollector', () => {
  const clock = useFakeClock();

  it('the victim is the extra connection that expires first, else the persistent one', () => {
    const { collector, idle } = setUp(false);
    const p1 = idle('p1', 10, true);
    const e1 = idle('e1', 50);
    const e2 = idle('e2', 30);
    assert.equal(collector.length, 3);
    assert.equal(collector.victim(), e2);
    collector.remove(e2);
    assert.equal(collector.victim(), e1);
    collector.remove(e1);
    assert.equal(collector.victim(), p1);
    collector.remove(p1);
    assert.equal(collector.victim(), undefined);
    assert.equal(collector.length, 0);
  });

  it('the background collector disposes every due connection, across both queues, when due', async () => {
    const { collector, expired, idle } = setUp(true);
    idle('e30', 30);
    idle('p20', 20, true);
    idle('e20', 20);
    idle('p40', 40, true);
    await clock.tickAsync(19);
    assert.deepEqual(expired, []);
    await clock.tickAsync(1);
    assert.deepEqual(expired, ['e20@20', 'p20@20']); // a tie goes to the extra one
    await clock.tickAsync(20);
    assert.deepEqual(expired.slice(2), ['e30@30', 'p40@40']);
    assert.equal(collector.length, 0);
    assert.equal(clock.countTimers(), 0);
  });

  it('cancel stops the background collector', async () => {
    const { collector, expired, idle } = setUp(true);
    idle('e10', 10);
    collector.cancel();
    assert.equal(clock.countTimers(), 0);
    await clock.tickAsync(100);
    assert.deepEqual(expired, []);
  });

  it('without the background collector there is no timer; a batch takes about log2(size) + 1 due ones, soonest first', () => {
    const { collector, expired, idle } = setUp(false);
    for (let i = 1; i <= 6; i++) idle(`e${i}`, i, i % 2 === 0);
    idle('later', 100);
    assert.equal(clock.countTimers(), 0);
    collector.collectBatch(50, 7); // floor(log2(8)) + 1 = 4
    assert.deepEqual(expired, ['e1@0', 'e2@0', 'e3@0', 'e4@0']);
    collector.collectBatch(50, 0); // 1, but at least one
    assert.deepEqual(expired.slice(4), ['e5@0']);
    collector.collectBatch(50, 1_000); // only due ones
    assert.deepEqual(expired.slice(5), ['e6@0']);
    assert.equal(collector.length, 1);
  });

  it('disposeBatchSize fixes the batch size', () => {
    const { expired, idle, collector } = setUp(false, 2);
    for (let i = 1; i <= 4; i++) idle(`e${i}`, i);
    collector.collectBatch(10, 1_000_000);
    assert.deepEqual(expired, ['e1@0', 'e2@0']);
  });
});
