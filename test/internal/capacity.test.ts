import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointPool } from '../../src/endpoint-pool.ts';
import type { Acquisition } from '../../src/internal/acquisition.ts';
import { Capacity, type PendingCreate } from '../../src/internal/capacity.ts';
import { ConnectionRecord } from '../../src/internal/connection-record.ts';
import type { Creator } from '../../src/internal/creator.ts';
import { ExpiryCollector } from '../../src/internal/expiry-collector.ts';
import { Ledger } from '../../src/internal/ledger.ts';
import { newTotals } from '../../src/stats.ts';

type Ep = EndpointPool<string, string>;
const defaults = {
  maxSize: 2,
  totalMaxSize: 3,
  minIdle: 1,
  maintainMinIdle: false,
  budget: undefined,
};

/** Capacity over a real ledger; creates are recorded, evictions dispose through the ledger. */
function setUp(options: Partial<typeof defaults> = {}) {
  const expiry = new ExpiryCollector<string, string>(false, 0, () => undefined);
  const ledger = new Ledger(expiry, newTotals());
  const started: string[] = [];
  const evicted: string[] = [];
  const capacity: Capacity<string, string> = new Capacity(
    { ...defaults, ...options },
    ledger,
    expiry,
    (victim) => {
      evicted.push(victim.connection);
      ledger.move(victim, 'disposed', 0);
    },
    null,
  );
  const creator = { start: (job: PendingCreate<string, string>) => started.push(job.endpoint) };
  capacity.attach(creator as unknown as Creator<string, string, PendingCreate<string, string>>);
  const endpoints = new Map<string, Ep>();
  const ep = (name: string): Ep => {
    let pool = endpoints.get(name);
    if (pool === undefined) {
      pool = new EndpointPool(name, name);
      endpoints.set(name, pool);
    }
    return pool;
  };
  let seq = 0;
  const wait = (name: string): void => {
    const waiter = { seq: ++seq, endpoint: name, prev: null, next: null };
    ep(name).waiters.insert(waiter as unknown as Acquisition<string, string>);
  };
  /** An idle connection of `name` that expires at `expiresAt`. */
  const idle = (name: string, connection: string, expiresAt: number, persistent = false): void => {
    ledger.createStarted(ep(name));
    const record = new ConnectionRecord(ep(name), name, connection, 0, 10_000);
    ledger.createEnded(ep(name), record);
    record.persistent = persistent;
    record.expiresAt = expiresAt;
    ledger.move(record, 'idle', 0);
  };
  return { capacity, ledger, ep, wait, idle, started, evicted };
}

describe('Capacity', () => {
  it('starts one create per uncovered waiter, up to maxSize, counted at once', () => {
    const { capacity, ledger, ep, wait, started } = setUp();
    wait('a');
    wait('a');
    wait('a');
    capacity.pump(ep('a'));
    assert.deepEqual(started, ['a', 'a']);
    assert.equal(ledger.size, 2);
    assert.equal(ep('a').creating, 2);
    assert.equal(ep('a').waiters.firstUncovered?.seq, 3, 'the third waits for one of the two');
  });

  it('at totalMaxSize evicts the idle connection best to lose, extra before persistent', () => {
    const { capacity, ledger, ep, wait, idle, started, evicted } = setUp();
    idle('b', 'b-persistent', 100, true);
    idle('b', 'b-extra-late', 900);
    idle('c', 'c-extra-soon', 500);
    assert.equal(ledger.size, 3);
    wait('a');
    capacity.pump(ep('a'));
    assert.deepEqual(evicted, ['c-extra-soon']);
    assert.deepEqual(started, ['a']);
    assert.equal(ledger.size, 3);
  });

  it('room freed anywhere goes to the endpoint whose waiter came first', () => {
    const { capacity, ledger, ep, wait, started } = setUp({ totalMaxSize: 2 });
    wait('a');
    wait('a');
    capacity.pump(ep('a')); // a fills the pool with two creates
    wait('c');
    wait('b');
    capacity.pump(ep('b'));
    capacity.pump(ep('c'));
    assert.equal(capacity.anyBlocked, true);
    assert.deepEqual(started, ['a', 'a']);
    // A create of a fails; its waiter gets the error (the pipeline's part, done by hand here).
    ledger.createEnded(ep('a'), null);
    ep('a').waiters.remove(ep('a').waiters.head!);
    capacity.freed(ep('a'), true);
    assert.deepEqual(started, ['a', 'a', 'c'], 'c waited before b');
    assert.equal(ledger.size, 2);
  });

  it('maintainMinIdle refills from free room only, and a starved endpoint gets the next room', () => {
    const { capacity, ledger, ep, wait, started } = setUp({
      maintainMinIdle: true,
      minIdle: 2,
      totalMaxSize: 3,
    });
    capacity.replenish(ep('a'));
    assert.deepEqual(started, ['a', 'a']);
    capacity.replenish(ep('b')); // one room left
    assert.deepEqual(started, ['a', 'a', 'b']);
    assert.equal(ledger.size, 3);
    ledger.createEnded(ep('a'), null); // a create of a failed: its room goes to the starved b
    capacity.freed(ep('a'), true);
    assert.deepEqual(started, ['a', 'a', 'b', 'a'], 'a refills itself first, then b would');
    wait('c');
    capacity.pump(ep('c'));
    assert.equal(started.length, 4, 'a full pool without idle connections: c waits');
  });

  it('starts nothing once closed', () => {
    const { capacity, ep, wait, started } = setUp({ maintainMinIdle: true });
    capacity.closed = true;
    wait('a');
    capacity.pump(ep('a'));
    capacity.replenish(ep('b'));
    capacity.freed(ep('a'), true);
    assert.deepEqual(started, []);
  });
});
