import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointPool } from '../../src/endpoint-pool.ts';
import { Acquisition } from '../../src/internal/acquisition.ts';
import { DeadlineQueue } from '../../src/internal/deadline-queue.ts';
import { assertHeldTimers, timersDue, useFakeClock } from '../helpers/async.ts';

type Acq = Acquisition<string, object>;

function setUp() {
  const expired: string[] = [];
  const queue: DeadlineQueue<string, object> = new DeadlineQueue((acq) => {
    queue.remove(acq);
    expired.push(`${acq.seq}@${Date.now()}`);
  });
  const ep = new EndpointPool<string, object>('db', 'db');
  const add = (seq: number, deadline: number): Acq => {
    const acq = new Acquisition<string, object>(seq, ep, 'db', deadline, deadline, undefined, 0);
    queue.add(acq);
    return acq;
  };
  return { queue, expired, add };
}

describe('DeadlineQueue', () => {
  const clock = useFakeClock();

  it('expires acquirers at their deadline, by deadline then arrival, with one timer', async () => {
    const { expired, add } = setUp();
    add(1, 50);
    add(2, 20);
    add(3, 50);
    add(4, 20);
    assert.equal(clock.countTimers(), 1);
    await clock.tickAsync(19);
    assert.deepEqual(expired, []);
    await clock.tickAsync(1);
    assert.deepEqual(expired, ['2@20', '4@20']);
    await clock.tickAsync(30);
    assert.deepEqual(expired, ['2@20', '4@20', '1@50', '3@50']);
    assert.equal(clock.countTimers(), 0);
  });

  it('removing the last acquirer leaves the timer armed but holding nothing; stop cancels it', async () => {
    const { queue, expired, add } = setUp();
    const a = add(1, 10);
    const b = add(2, 30);
    queue.remove(a);
    assert.deepEqual(timersDue(clock), [10], 'armed for the first deadline, it fires early');
    await clock.tickAsync(30);
    assert.deepEqual(expired, ['2@30']);
    assert.deepEqual(timersDue(clock), [], 'the last acquirer expired: nothing to arm');
    const c = add(3, 100);
    assertHeldTimers(clock, 1, 'a deadline pending holds the process');
    queue.remove(c);
    assert.deepEqual(timersDue(clock), [100], 'kept for the next acquirer');
    assertHeldTimers(clock, 0, 'nobody waits: it holds nothing');
    const d = add(4, 150);
    assert.deepEqual(timersDue(clock), [100], 'a later deadline reuses it');
    assertHeldTimers(clock, 1);
    queue.remove(d);
    await clock.tickAsync(100);
    assert.deepEqual(expired, ['2@30'], 'it fired and found nothing due');
    assert.deepEqual(timersDue(clock), []);
    add(5, 140);
    queue.stop();
    assert.deepEqual(timersDue(clock), [140], 'stopped with an acquirer left: kept for it');
    await clock.tickAsync(10);
    assert.deepEqual(expired, ['2@30', '5@140']);
    const e = add(6, 200);
    queue.remove(e);
    assert.deepEqual(timersDue(clock), [], 'stopped: the last remove cancels it');
    assert.equal(b.heapIndex, -1);
  });
});
