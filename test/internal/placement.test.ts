import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointPool } from '../../src/endpoint-pool.ts';
import type { Acquisition } from '../../src/internal/acquisition.ts';
import { ConnectionRecord } from '../../src/internal/connection-record.ts';
import { placeOf } from '../../src/internal/placement.ts';

const options = { minIdle: 1, idleTimeout: 100, maxUses: 3 };

/** A record of `ep`, created at 0 with a lifetime of 1000, counted as acquired. */
function recordOf(
  ep: EndpointPool<string, string>,
  connection = 'c',
): ConnectionRecord<string, string> {
  ep.acquired++;
  return new ConnectionRecord(ep, 'db', connection, 0, 1_000);
}

describe('placeOf', () => {
  it('disposes at close, past the lifetime and at maxUses, in that order', () => {
    const ep = new EndpointPool<string, string>('db', 'db');
    const record = recordOf(ep);
    record.uses = 3;
    assert.equal(placeOf(record, 'released', 1_000, true, options), 'closed');
    assert.equal(placeOf(record, 'released', 1_000, false, options), 'lifetime');
    assert.equal(placeOf(record, 'released', 10, false, options), 'maxUses');
    assert.equal(
      placeOf(record, 'unused', 10, false, options),
      'to-idle',
      'an unused one is not used up',
    );
  });

  it('hands over to a waiter before going idle', () => {
    const ep = new EndpointPool<string, string>('db', 'db');
    const record = recordOf(ep);
    ep.waiters.insert({ seq: 1, prev: null, next: null } as unknown as Acquisition<string, string>);
    assert.equal(placeOf(record, 'released', 10, false, options), 'to-waiter');
    assert.equal(placeOf(record, 'created', 10, false, options), 'to-waiter');
  });

  it('classes a returning connection by rule 2 and sets its expiry', () => {
    const ep = new EndpointPool<string, string>('db', 'db');
    const first = recordOf(ep, 'first');
    const second = recordOf(ep, 'second');
    second.lastReleasedAt = 10;
    // `first` is still acquired: second is extra, expiring idleTimeout after its release.
    assert.equal(placeOf(second, 'released', 10, false, options), 'to-idle');
    assert.deepEqual([second.persistent, second.expiresAt], [false, 110]);
    ep.acquired--; // second went idle (extra), first is the only one acquired
    first.lastReleasedAt = 20;
    assert.equal(placeOf(first, 'released', 20, false, options), 'to-idle');
    assert.deepEqual([first.persistent, first.expiresAt], [true, 1_000]);
  });

  it('disposes an extra connection with idleTimeout 0 as idle', () => {
    const ep = new EndpointPool<string, string>('db', 'db');
    recordOf(ep, 'held');
    const record = recordOf(ep);
    record.lastReleasedAt = 10;
    assert.equal(placeOf(record, 'released', 10.5, false, { ...options, idleTimeout: 0 }), 'idle');
  });

  it('an unused connection taken from idle keeps its class and expiry, or is disposed past it', () => {
    const ep = new EndpointPool<string, string>('db', 'db');
    recordOf(ep, 'held');
    const record = recordOf(ep);
    record.kept = true;
    record.persistent = true;
    record.expiresAt = 1_000;
    // Rule 2 would make it extra now ('held' is acquired); kept, it stays persistent.
    assert.equal(placeOf(record, 'unused', 500, false, options), 'to-idle');
    assert.deepEqual([record.persistent, record.expiresAt], [true, 1_000]);
    record.persistent = false;
    record.expiresAt = 300;
    assert.equal(placeOf(record, 'unused', 300, false, options), 'idle');
  });
});
