// Found by an adversarial review (issue 10). Acquirers that found their idle connection dead went
// back to the head of the queue one after another, so the later one ended up first (rule 5: first
// come, first served).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred } from '../../src/testing/index.ts';
import { closePool, makePool, settle, useFakeClock } from '../helpers/pool.ts';

describe('regression: acquirers that found dead connections', () => {
  const clock = useFakeClock();

  it('are served in arrival order', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 2 });
    const x = await pool.acquire('a');
    const y = await pool.acquire('a');
    await pool.release(y);
    await pool.release(x); // idle, newest first: x, then y
    x.alive = false;
    y.alive = false;
    const checks = [deferred(), deferred()];
    mock.once('checkAliveness', { gate: checks[0]!.promise });
    mock.once('checkAliveness', { gate: checks[1]!.promise });
    const order: string[] = [];
    const first = pool.acquire('a').then((c) => {
      order.push(`first:${c.id}`);
      return c;
    });
    const second = pool.acquire('a').then((c) => {
      order.push(`second:${c.id}`);
      return c;
    });
    const gate = deferred();
    mock.set('create', { gate: gate.promise });
    checks[0]!.resolve();
    checks[1]!.resolve();
    await settle(clock);
    gate.resolve();
    const got = await Promise.all([first, second]);
    assert.deepEqual(order, ['first:3', 'second:4']);
    for (const c of got) await pool.release(c);
    await closePool(pool, clock);
  });
});
