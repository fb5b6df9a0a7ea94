import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionManager } from '../../src/index.ts';
import type {
  CheckConnectionManagerOptions,
  ManagerCheckReport,
  MockConnection,
} from '../../src/testing/index.ts';
import {
  checkConnectionManager,
  deferred,
  MockConnectionManager,
} from '../../src/testing/index.ts';
import {
  assertDisposedExactlyOnce,
  fulfilled,
  ids,
  settle,
  track,
  useFakeClock,
} from '../helpers/pool.ts';

/** `[name, status, ms, message]` of every step, for one exact `deepEqual`. */
function table(report: ManagerCheckReport): Array<[string, string, number, string | undefined]> {
  return report.steps.map((s) => [s.name, s.status, s.ms, s.message]);
}

const killPeer = (connection: MockConnection): void => {
  connection.alive = false;
};

describe('checkConnectionManager', () => {
  const clock = useFakeClock();

  /** Runs the check, driving the fake clock until it resolves. */
  async function check<C>(
    manager: ConnectionManager<string, C>,
    options: CheckConnectionManagerOptions<string, C> = {},
  ): Promise<ManagerCheckReport> {
    const running = track(checkConnectionManager(manager, 'db', { timeout: 1000, ...options }));
    for (let i = 0; i < 1000 && running.state === 'pending'; i++) await clock.tickAsync(100);
    return fulfilled(running);
  }

  it('passes a good manager, step by step, and disposes every connection it made', async () => {
    const mock = new MockConnectionManager();
    mock.set('create', { delay: 10 });
    const report = await check(mock, { peerGone: killPeer });
    assert.equal(report.ok, true, report.summary);
    assert.deepEqual(table(report), [
      ['create', 'passed', 10, undefined],
      ['createDistinct', 'passed', 10, undefined],
      ['checkAliveness', 'passed', 0, undefined],
      ['dispose', 'passed', 0, undefined],
      ['createAborted', 'passed', 0, undefined],
      ['abortDuringCreate', 'passed', 0, undefined],
      ['peerGone', 'passed', 10, undefined],
      ['disposeDead', 'passed', 0, undefined],
    ]);
    assert.deepEqual(ids(mock.created), [1, 2, 5]);
    assert.deepEqual(ids(mock.disposed), [1, 2, 5]);
    assertDisposedExactlyOnce(mock);
    assert.equal(mock.aborted.length, 2, 'the two aborted creates saw their signal');
    assert.deepEqual(
      mock.aborted.map((a) => [a.hook, (a.reason as Error).message]),
      [
        ['create', 'checkConnectionManager: aborted before create'],
        ['create', 'checkConnectionManager: aborted during create'],
      ],
    );
    assert.equal(mock.callsOf('checkAliveness').length, 2);
    assert.equal(mock.active(), 0);
    assert.equal(
      report.summary,
      [
        '✓ create (10 ms)',
        '✓ createDistinct (10 ms)',
        '✓ checkAliveness (0 ms)',
        '✓ dispose (0 ms)',
        '✓ createAborted (0 ms)',
        '✓ abortDuringCreate (0 ms)',
        '✓ peerGone (10 ms)',
        '✓ disposeDead (0 ms)',
      ].join('\n'),
    );
  });

  it('aborts after abortAfter ms, and polls checkAliveness until the peer is seen gone', async () => {
    const mock = new MockConnectionManager();
    mock.set('create', { delay: 50 });
    // The manager notices the peer went away only on its third check after peerGone.
    for (let i = 0; i < 4; i++) mock.once('checkAliveness', { alive: true });
    const report = await check(mock, { abortAfter: 20, pollInterval: 5, peerGone: killPeer });
    assert.equal(report.ok, true, report.summary);
    assert.deepEqual(
      report.steps.map((s) => [s.name, s.ms]),
      [
        ['create', 50],
        ['createDistinct', 50],
        ['checkAliveness', 0],
        ['dispose', 0],
        ['createAborted', 0],
        ['abortDuringCreate', 20],
        ['peerGone', 50 + 5 + 5 + 5],
        ['disposeDead', 0],
      ],
    );
    assert.equal(mock.callsOf('checkAliveness').length, 1 + 4);
    assertDisposedExactlyOnce(mock);
  });

  it('skips what cannot run: an abort of a create that settled at once, peerGone without the option', async () => {
    const mock = new MockConnectionManager();
    const report = await check(mock);
    assert.equal(report.ok, true, report.summary);
    assert.deepEqual(
      report.steps.filter((s) => s.status !== 'passed').map((s) => [s.name, s.status, s.message]),
      [
        ['abortDuringCreate', 'skipped', 'create settled within 0 ms, before it could be aborted'],
        [
          'peerGone',
          'skipped',
          'no peerGone option: pass one that makes the peer of a connection go away',
        ],
        ['disposeDead', 'skipped', 'peerGone made no connection go away'],
      ],
    );
    assertDisposedExactlyOnce(mock);
  });

  it('checks a synchronous manager: an already aborted signal makes create throw', async () => {
    const mock = new MockConnectionManager({ sync: true });
    const report = await check(mock, { peerGone: killPeer });
    assert.equal(report.ok, true, report.summary);
    const during = report.steps.find((s) => s.name === 'abortDuringCreate');
    assert.deepEqual(during, {
      name: 'abortDuringCreate',
      status: 'skipped',
      message: 'create returned synchronously: there was nothing to abort',
      ms: 0,
    });
    assert.equal(mock.aborted.length, 1);
    assertDisposedExactlyOnce(mock);
  });

  it('fails createAborted and abortDuringCreate for a create that ignores its signal', async () => {
    const mock = new MockConnectionManager();
    mock.set('create', { delay: 10, ignoreSignal: true });
    const report = await check(mock, { peerGone: killPeer });
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.filter((s) => s.status === 'failed').map((s) => [s.name, s.ms, s.message]),
      [
        [
          'createAborted',
          10,
          'create resolved with a connection although its signal was aborted before the call; it should reject with signal.reason',
        ],
        [
          'abortDuringCreate',
          10,
          'create resolved with a connection 10 ms after its signal aborted; it should reject and free what it was building',
        ],
      ],
    );
    assert.deepEqual(ids(mock.created), [1, 2, 3, 4, 5]);
    assertDisposedExactlyOnce(mock);
    assert.equal(mock.aborted.length, 0);
  });

  it('fails abortDuringCreate for a create that never settles, and disposes its late connection', async () => {
    const mock = new MockConnectionManager();
    const late = deferred();
    mock
      .once('create', { delay: 10 })
      .once('create', { delay: 10 })
      .once('create', { delay: 10 })
      .once('create', { gate: late.promise, ignoreSignal: true });
    const report = await check(mock);
    const step = report.steps.find((s) => s.name === 'abortDuringCreate');
    assert.deepEqual(step, {
      name: 'abortDuringCreate',
      status: 'failed',
      message: 'create did not settle within 1000 ms after its signal aborted',
      ms: 1000,
    });
    assert.equal(report.ok, false);
    assert.deepEqual(ids(mock.disposed), [1, 2]);
    late.resolve();
    await settle(clock);
    assert.deepEqual(ids(mock.created), [1, 2, 4]);
    assert.deepEqual(ids(mock.disposed), [1, 2, 4], 'the late connection is disposed at once');
  });

  it('fails dispose and disposeDead when dispose throws, with the error', async () => {
    const mock = new MockConnectionManager();
    const boom = new Error('boom');
    mock.set('dispose', { error: boom });
    const report = await check(mock, { peerGone: killPeer });
    assert.equal(report.ok, false);
    const failed = report.steps.filter((s) => s.status === 'failed');
    assert.deepEqual(
      failed.map((s) => [s.name, s.message]),
      [
        ['dispose', 'dispose threw: Error: boom'],
        ['disposeDead', 'dispose of a connection whose peer went away threw: Error: boom'],
      ],
    );
    assert.equal(failed[0]?.error, boom);
    assert.equal(failed[1]?.error, boom);
    assert.match(report.summary, /^✗ dispose \(0 ms\): dispose threw: Error: boom$/m);
  });

  it('fails dispose when it does not settle in time, and aborts its signal', async () => {
    const mock = new MockConnectionManager();
    mock.once('dispose', { gate: new Promise(() => {}) });
    const report = await check(mock);
    assert.deepEqual(report.steps[3], {
      name: 'dispose',
      status: 'failed',
      message: 'dispose did not settle within 1000 ms (its signal was then aborted)',
      ms: 1000,
    });
    assert.deepEqual(
      mock.aborted.map((a) => [a.hook, a.connection?.id]),
      [
        ['dispose', 1],
        ['create', undefined],
      ],
    );
    assert.deepEqual(ids(mock.disposed), [1, 2, 4], 'the second connection still disposed');
  });

  it('fails peerGone when checkAliveness keeps answering true after the peer went away', async () => {
    const mock = new MockConnectionManager();
    mock.set('checkAliveness', { alive: true });
    const report = await check(mock, { peerGone: killPeer });
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.filter((s) => s.status === 'failed'),
      [
        {
          name: 'peerGone',
          status: 'failed',
          message: 'checkAliveness still answered true 1000 ms after the peer went away',
          ms: 1000,
        },
      ],
    );
    // 1 fresh check, then one at 0, 10, …, 1000 ms after peerGone.
    assert.equal(mock.callsOf('checkAliveness').length, 1 + 101);
    assert.equal(report.steps[7]?.status, 'passed', 'the dead connection is still disposed');
    assertDisposedExactlyOnce(mock);
  });

  it('fails checkAliveness when a fresh connection is reported dead', async () => {
    const mock = new MockConnectionManager();
    mock.once('checkAliveness', { alive: false });
    const report = await check(mock);
    assert.deepEqual(report.steps[2], {
      name: 'checkAliveness',
      status: 'failed',
      message: 'checkAliveness answered false for a fresh connection',
      ms: 0,
    });
  });

  it('fails create and skips what needs a connection when create rejects', async () => {
    const mock = new MockConnectionManager();
    const refused = new Error('refused');
    mock.set('create', { error: refused });
    const report = await check(mock, { peerGone: killPeer });
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.map((s) => [s.name, s.status, s.message]),
      [
        ['create', 'failed', 'create threw: Error: refused'],
        ['createDistinct', 'skipped', 'an earlier step made no connection'],
        ['checkAliveness', 'skipped', 'an earlier step made no connection'],
        ['dispose', 'skipped', 'an earlier step made no connection'],
        ['createAborted', 'passed', undefined],
        ['abortDuringCreate', 'skipped', 'create settled within 0 ms, before it could be aborted'],
        ['peerGone', 'failed', 'create threw: Error: refused'],
        ['disposeDead', 'skipped', 'peerGone made no connection go away'],
      ],
    );
    assert.equal(report.steps[0]?.error, refused);
    assert.deepEqual(mock.disposed, []);
  });

  it('fails create for undefined and createDistinct for the same value twice', async () => {
    const same = { id: 'same' };
    const disposed: unknown[] = [];
    const twice: ConnectionManager<string, object> = {
      create: () => same,
      dispose: (_endpoint, connection) => {
        disposed.push(connection);
      },
    };
    const report = await check(twice);
    assert.deepEqual(report.steps[1], {
      name: 'createDistinct',
      status: 'failed',
      message:
        'create returned the same value twice; each connection must be a distinct value (the pool tells connections apart by ===)',
      ms: 0,
    });
    // The same value came back from every create; the check disposes what each delivered.
    assert.deepEqual(disposed, [same, same]);

    const nothing = { create: () => undefined, dispose: () => {} };
    const empty = await check(nothing);
    assert.equal(
      empty.steps[0]?.message,
      'create resolved with undefined; a connection must be a distinct value',
    );
  });

  it('skips the aliveness steps for a manager without checkAliveness', async () => {
    const manager: ConnectionManager<string, object> = {
      create: (_endpoint, { signal }) =>
        signal.aborted ? Promise.reject(signal.reason) : Promise.resolve({}),
      dispose: () => {},
    };
    const report = await check(manager, { peerGone: () => {} });
    assert.equal(report.ok, true, report.summary);
    const reason = 'the manager has no checkAliveness: the pool treats every connection as alive';
    assert.deepEqual(
      report.steps.filter((s) => s.status === 'skipped').map((s) => [s.name, s.message]),
      [
        ['checkAliveness', reason],
        ['abortDuringCreate', 'create settled within 0 ms, before it could be aborted'],
        ['peerGone', reason],
        ['disposeDead', 'peerGone made no connection go away'],
      ],
    );
  });

  it('fails peerGone when the peerGone callback throws, and still disposes the connection', async () => {
    const mock = new MockConnectionManager();
    const report = await check(mock, {
      peerGone: () => {
        throw new TypeError('no server');
      },
    });
    assert.deepEqual(
      report.steps.slice(6).map((s) => [s.name, s.status, s.message]),
      [
        ['peerGone', 'failed', 'peerGone threw: TypeError: no server'],
        ['disposeDead', 'skipped', 'peerGone made no connection go away'],
      ],
    );
    assertDisposedExactlyOnce(mock);
  });

  it('names what was wrong with its input', () => {
    const mock = new MockConnectionManager();
    assert.throws(
      () => checkConnectionManager({ dispose: () => {} } as never, 'db'),
      (e) =>
        e instanceof TypeError &&
        e.message ===
          'checkConnectionManager: manager.create must be a function, received undefined',
    );
    assert.throws(
      () => checkConnectionManager(mock, 'db', { timeout: 0 }),
      (e) =>
        e instanceof RangeError && e.message === 'timeout must be above 0 milliseconds, received 0',
    );
    assert.throws(
      () => checkConnectionManager(mock, 'db', { pollInterval: Infinity }),
      (e) =>
        e instanceof RangeError && e.message === 'pollInterval must be finite, received Infinity',
    );
    assert.throws(
      () => checkConnectionManager(mock, 'db', { abortAfter: '5' as never }),
      (e) =>
        e instanceof TypeError &&
        e.message === 'abortAfter must be a number of milliseconds, received "5"',
    );
    assert.throws(
      () => checkConnectionManager(mock, 'db', { peerGone: 5 as never }),
      (e) => e instanceof TypeError && e.message === 'peerGone must be a function, received 5',
    );
    assert.throws(
      () => checkConnectionManager(mock, 'db', { timout: 5 } as never),
      (e) =>
        e instanceof TypeError &&
        e.message ===
          'checkConnectionManager: unknown option "timout"; known options: timeout, abortAfter, peerGone, pollInterval',
    );
    assert.deepEqual(mock.calls, [], 'nothing ran');
  });
});
