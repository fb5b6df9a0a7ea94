import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MockConnection } from '../../src/testing/index.ts';
import { deferred, MockConnectionManager } from '../../src/testing/index.ts';
import { fulfilled, pending, rejected, track, useFakeClock } from '../helpers/async.ts';

const ctx = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

describe('MockConnectionManager', () => {
  const clock = useFakeClock();

  it('creates distinct connections with increasing ids and records them', async () => {
    const mock = new MockConnectionManager();
    const a = await mock.create('x', ctx());
    const b = await mock.create('y', ctx());
    assert.deepEqual(a, { id: 1, endpoint: 'x', alive: true });
    assert.deepEqual(b, { id: 2, endpoint: 'y', alive: true });
    assert.notEqual(a, b);
    assert.deepEqual(mock.created, [a, b]);
    assert.equal(mock.created[0], a);
    assert.deepEqual(mock.calls, [
      { hook: 'create', endpoint: 'x' },
      { hook: 'create', endpoint: 'y' },
    ]);
  });

  it('returns promises by default and plain values with sync: true', async () => {
    const asyncMock = new MockConnectionManager();
    const p = asyncMock.create('x', ctx());
    assert.ok(p instanceof Promise);
    await p;
    const syncMock = new MockConnectionManager({ sync: true });
    const c = syncMock.create('x', ctx());
    assert.ok(!(c instanceof Promise));
    assert.equal((c as MockConnection).id, 1);
    assert.equal(syncMock.checkAliveness('x', c as MockConnection, ctx()), true);
    assert.equal(syncMock.dispose('x', c as MockConnection, ctx()), undefined);
    assert.deepEqual(syncMock.disposed, [c]);
  });

  it('records every hook with its endpoint and connection, in order', async () => {
    const mock = new MockConnectionManager<[string, number]>();
    const ep: [string, number] = ['h', 1];
    const c = await mock.create(ep, ctx());
    await mock.onAcquire(ep, c);
    await mock.onRelease(ep, c);
    assert.equal(await mock.checkAliveness(ep, c, ctx()), true);
    await mock.onConnectionDead(ep, c);
    await mock.dispose(ep, c, ctx());
    assert.deepEqual(
      mock.calls.map((x) => [x.hook, x.endpoint, x.connection?.id]),
      [
        ['create', ep, undefined],
        ['onAcquire', ep, 1],
        ['onRelease', ep, 1],
        ['checkAliveness', ep, 1],
        ['onConnectionDead', ep, 1],
        ['dispose', ep, 1],
      ],
    );
    assert.equal(mock.calls[5]?.connection, c);
    assert.deepEqual(mock.disposed, [c]);
    assert.equal(c.alive, false, 'dispose marks the connection not alive');
    assert.equal(mock.callsOf('onRelease').length, 1);
    assert.equal(mock.callsOf('create').length, 1);
  });

  it('checkAliveness answers connection.alive, or the behaviour alive', async () => {
    const mock = new MockConnectionManager();
    const c = await mock.create('x', ctx());
    c.alive = false;
    assert.equal(await mock.checkAliveness('x', c, ctx()), false);
    c.alive = true;
    mock.once('checkAliveness', { alive: false });
    assert.equal(await mock.checkAliveness('x', c, ctx()), false);
    assert.equal(await mock.checkAliveness('x', c, ctx()), true);
    mock.set('checkAliveness', { alive: false });
    assert.equal(await mock.checkAliveness('x', c, ctx()), false);
    assert.equal(await mock.checkAliveness('x', c, ctx()), false);
    mock.set('checkAliveness');
    assert.equal(await mock.checkAliveness('x', c, ctx()), true);
  });

  it('injects errors as rejections or synchronous throws; once() queues in order before set()', async () => {
    const mock = new MockConnectionManager();
    const e1 = new Error('e1');
    const e2 = new Error('e2');
    const e3 = new Error('e3');
    mock
      .set('create', { error: e3 })
      .once('create', { error: e1 })
      .once('create', { error: e2, sync: true });
    const p1 = mock.create('x', ctx());
    assert.ok(p1 instanceof Promise);
    await assert.rejects(p1 as Promise<unknown>, (e) => e === e1);
    assert.throws(
      () => mock.create('x', ctx()),
      (e) => e === e2,
    );
    await assert.rejects(Promise.resolve(mock.create('x', ctx())), (e) => e === e3);
    mock.reset();
    const ok = await mock.create('x', ctx());
    assert.equal(ok.id, 4, 'ids count create calls, failed ones included');
    assert.deepEqual(mock.created, [ok]);
    assert.equal(mock.callsOf('create').length, 4);
  });

  it('delays with setTimeout (driven by fake timers) and counts active calls', async () => {
    const mock = new MockConnectionManager();
    mock.set('create', { delay: 100 });
    const t = track(Promise.resolve(mock.create('x', ctx())));
    await clock.tickAsync(99);
    pending(t);
    assert.equal(mock.active('create'), 1);
    assert.equal(mock.active(), 1);
    assert.deepEqual(mock.created, []);
    await clock.tickAsync(1);
    assert.equal(fulfilled(t).id, 1);
    assert.equal(mock.active('create'), 0);
    assert.deepEqual(mock.created, [t.value]);
  });

  it('waits for a gate; a rejected gate rejects the call', async () => {
    const mock = new MockConnectionManager();
    const g1 = deferred();
    const g2 = deferred();
    const err = new Error('gate failed');
    mock.once('onRelease', { gate: g1.promise }).once('onRelease', { gate: g2.promise });
    const c: MockConnection = { id: 9, endpoint: 'x', alive: true };
    const t1 = track(Promise.resolve(mock.onRelease('x', c)));
    const t2 = track(Promise.resolve(mock.onRelease('x', c)));
    await clock.tickAsync(1000);
    pending(t1);
    pending(t2);
    assert.equal(mock.active('onRelease'), 2);
    g2.reject(err);
    await clock.tickAsync(0);
    pending(t1);
    assert.equal(rejected(t2), err);
    g1.resolve();
    await clock.tickAsync(0);
    assert.equal(fulfilled(t1), undefined);
    assert.equal(mock.active('onRelease'), 0);
  });

  it('create honours its signal: already aborted, and aborted during a delay', async () => {
    const mock = new MockConnectionManager();
    const ac1 = new AbortController();
    const reason1 = new Error('r1');
    ac1.abort(reason1);
    await assert.rejects(
      Promise.resolve(mock.create('x', { signal: ac1.signal })),
      (e) => e === reason1,
    );
    mock.set('create', { delay: 1000 });
    const ac2 = new AbortController();
    const t = track(Promise.resolve(mock.create('y', { signal: ac2.signal })));
    await clock.tickAsync(10);
    const reason2 = new Error('r2');
    ac2.abort(reason2);
    await clock.tickAsync(0);
    assert.equal(rejected(t), reason2);
    assert.deepEqual(mock.created, []);
    assert.deepEqual(
      mock.aborted.map((a) => [a.hook, a.endpoint, a.reason]),
      [
        ['create', 'x', reason1],
        ['create', 'y', reason2],
      ],
    );
    assert.equal(mock.active(), 0);
    assert.equal(clock.countTimers(), 0, 'the delay timer is cleared on abort');
  });

  it('dispose honours its signal during a gate; ignoreSignal keeps going', async () => {
    const mock = new MockConnectionManager();
    const c1 = await mock.create('x', ctx());
    const c2 = await mock.create('x', ctx());
    const gate = deferred();
    mock.set('dispose', { gate: gate.promise });
    const ac = new AbortController();
    const t1 = track(Promise.resolve(mock.dispose('x', c1, { signal: ac.signal })));
    mock.set('dispose', { delay: 50, ignoreSignal: true });
    const t2 = track(Promise.resolve(mock.dispose('x', c2, { signal: ac.signal })));
    ac.abort();
    await clock.tickAsync(0);
    assert.equal(rejected(t1), ac.signal.reason);
    assert.ok(ac.signal.reason instanceof Error || typeof ac.signal.reason === 'object');
    pending(t2);
    await clock.tickAsync(50);
    assert.equal(fulfilled(t2), undefined);
    assert.deepEqual(mock.disposed, [c1, c2]);
    assert.deepEqual(
      mock.aborted.map((a) => [a.hook, a.connection?.id]),
      [['dispose', 1]],
    );
  });

  it('works without a context argument', async () => {
    const mock = new MockConnectionManager<number>();
    const c = await mock.create(7);
    assert.deepEqual(c, { id: 1, endpoint: 7, alive: true });
    assert.equal(await mock.checkAliveness(7, c), true);
    await mock.dispose(7, c);
    assert.deepEqual(mock.disposed, [c]);
  });
});
