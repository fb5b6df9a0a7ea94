// SPEC §7 prewarm(endpoint, count?).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionPoolClosedError, EndpointUnavailableError } from '../src/index.ts';
import { deferred } from '../src/testing/index.ts';
import {
  assertSizes,
  eventsOf,
  fulfilled,
  makePool,
  pending,
  rejected,
  settle,
  track,
  useFakeClock,
} from './helpers/pool.ts';

describe('prewarm (SPEC §7)', () => {
  const clock = useFakeClock();

  it('opens count idle connections and resolves when they are created', async () => {
    const { pool, mock, log } = makePool({ minIdle: 3 });
    mock.set('create', { delay: 20 });
    const warming = track(pool.prewarm('a', 3));
    await settle(clock);
    assertSizes(pool, 3, [['a', 3, 0, 0]]);
    assert.equal(pool.stats().creating, 3);
    await clock.tickAsync(19);
    pending(warming);
    await clock.tickAsync(1);
    assert.equal(fulfilled(warming), undefined);
    assertSizes(pool, 3, [['a', 3, 0, 3]]);
    assert.equal(eventsOf(log, 'create').length, 3);
    assert.deepEqual(eventsOf(log, 'acquire'), []);
    // They are idle connections like any other: reused, not created again.
    mock.set('create');
    const c = await pool.acquire('a');
    assert.equal(c.id, 1, 'the oldest persistent one');
    assert.equal(mock.callsOf('create').length, 3);
  });

  it('count defaults to minIdle; idle connections and creates in flight count toward it', async () => {
    const { pool, mock } = makePool({ minIdle: 2 });
    await pool.prewarm('a');
    assert.equal(mock.callsOf('create').length, 2);
    await pool.prewarm('a', 3);
    assert.equal(mock.callsOf('create').length, 3, 'only the missing one');
    await pool.prewarm('a', 2);
    assert.equal(mock.callsOf('create').length, 3, 'nothing missing');
    assertSizes(pool, 3, [['a', 3, 0, 3]]);
  });

  it('with too little room it opens what fits and never evicts', async () => {
    const { pool, mock, log } = makePool({ minIdle: 0, maxSize: 3, totalMaxSize: 4 });
    const a = [await pool.acquire('a'), await pool.acquire('a')];
    await pool.release(a[0]!);
    await pool.prewarm('b', 3);
    assertSizes(pool, 4, [
      ['a', 2, 1, 1],
      ['b', 2, 0, 2],
    ]);
    assert.equal(mock.callsOf('create').length, 4);
    assert.deepEqual(eventsOf(log, 'dispose'), [], 'the idle connection of a was not evicted');
  });

  it('waiters arriving meanwhile are served by the creates it started', async () => {
    const { pool, mock } = makePool({ minIdle: 0 });
    const gate = deferred();
    mock.once('create', { gate: gate.promise });
    const warming = track(pool.prewarm('a', 1));
    const waiter = track(pool.acquire('a'));
    await settle(clock);
    assert.equal(mock.callsOf('create').length, 1, 'the waiter is covered by the prewarm create');
    gate.resolve();
    await settle(clock);
    assert.equal(fulfilled(warming), undefined);
    assert.equal(fulfilled(waiter).id, 1);
  });

  it('rejects with the create error; the endpoint then backs off', async () => {
    const { pool, mock } = makePool({ minIdle: 1 });
    const err = new Error('refused');
    mock.once('create', { error: err });
    const warming = track(pool.prewarm('a'));
    await settle(clock);
    assert.equal(rejected(warming), err);
    assertSizes(pool, 0, [['a', 0, 0, 0]]);
    await assert.rejects(pool.prewarm('a'), EndpointUnavailableError);
    await clock.tickAsync(100);
    await pool.prewarm('a');
    assertSizes(pool, 1, [['a', 1, 0, 1]]);
  });

  it('one create failing among several: it rejects, the others still open', async () => {
    const { pool, mock } = makePool({ minIdle: 3 });
    const err = new Error('refused');
    mock.once('create', { error: err });
    const warming = track(pool.prewarm('a'));
    await settle(clock);
    assert.equal(rejected(warming), err);
    assertSizes(pool, 2, [['a', 2, 0, 2]]);
  });

  it('bad input and a closed pool reject', async () => {
    const { pool } = makePool({ maxSize: 5 });
    await assert.rejects(pool.prewarm('a', 6), {
      name: 'RangeError',
      message: /count \(6\) must not exceed maxSize \(5\)/,
    });
    await assert.rejects(pool.prewarm('a', -1), { name: 'RangeError', message: /count.*-1/ });
    await assert.rejects(pool.prewarm('a', 1.5), { name: 'RangeError', message: /count.*1\.5/ });
    await assert.rejects(pool.prewarm('a', '2' as never), { name: 'TypeError', message: /count/ });
    await assert.rejects(pool.prewarm(Symbol('x') as never), TypeError);
    assert.equal(pool.size, 0);
    await pool.close();
    await assert.rejects(pool.prewarm('a'), ConnectionPoolClosedError);
  });
});
