// SPEC section 5 (errors) and decision 14 (messages name the endpoint and the limit).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConnectionNotAcquiredError,
  ConnectionPoolClosedError,
  ConnectionPoolError,
  ConnectionPoolQueueFullError,
  ConnectionPoolTimeoutError,
  EndpointUnavailableError,
} from '../src/index.ts';
import { makePool, rejected, settle, track, useFakeClock } from './helpers/pool.ts';

function assertPoolError(
  err: unknown,
  cls: new (...args: never[]) => ConnectionPoolError,
  code: string,
  name: string,
): void {
  assert.ok(err instanceof cls, `${name}: instance of its class`);
  assert.ok(err instanceof ConnectionPoolError, `${name}: instance of ConnectionPoolError`);
  assert.ok(err instanceof Error, `${name}: instance of Error`);
  assert.equal((err as ConnectionPoolError).code, code);
  assert.equal((err as Error).name, name);
  assert.equal(typeof (err as Error).message, 'string');
  assert.ok((err as Error).message.length > 0);
  assert.equal(typeof (err as Error).stack, 'string');
}

describe('errors (section 5)', () => {
  const clock = useFakeClock();

  it('each pool error extends ConnectionPoolError and Error, with a stable code and its class name', async () => {
    const { pool } = makePool({ minIdle: 0, maxSize: 1 });
    const c1 = await pool.acquire('db-1');
    const timeout = track(pool.acquire('db-1', { timeout: 250 }));
    await clock.tickAsync(250);
    const notAcquired = track(pool.release({ id: 99, endpoint: 'db-1', alive: true }));
    await settle(clock);
    await pool.release(c1);
    await pool.close();
    const closed = track(pool.acquire('db-2'));
    await settle(clock);
    const cases = [
      [
        rejected(timeout),
        ConnectionPoolTimeoutError,
        'ERR_POOL_TIMEOUT',
        'ConnectionPoolTimeoutError',
      ],
      [
        rejected(notAcquired),
        ConnectionNotAcquiredError,
        'ERR_POOL_NOT_ACQUIRED',
        'ConnectionNotAcquiredError',
      ],
      [rejected(closed), ConnectionPoolClosedError, 'ERR_POOL_CLOSED', 'ConnectionPoolClosedError'],
    ] as const;
    for (const [err, cls, code, name] of cases) assertPoolError(err, cls, code, name);
    const timeoutErr = rejected(timeout) as Error;
    assert.ok(timeoutErr.message.includes('db-1'), timeoutErr.message);
    assert.ok(timeoutErr.message.includes('250'), timeoutErr.message);
    const closedErr = rejected(closed) as Error;
    assert.ok(closedErr.message.includes('db-2'), closedErr.message);
  });

  it('the error classes are distinct', () => {
    assert.notEqual(ConnectionPoolTimeoutError, ConnectionPoolClosedError);
    assert.ok(
      !(Object.create(ConnectionPoolTimeoutError.prototype) instanceof ConnectionPoolClosedError),
    );
    assert.ok(Object.create(ConnectionNotAcquiredError.prototype) instanceof ConnectionPoolError);
  });

  it('an array or object endpoint is named readably in messages', async () => {
    const { pool } = makePool<unknown>({ minIdle: 0, maxSize: 1 });
    await pool.acquire(['db.example', 5432]);
    const t = track(pool.acquire(['db.example', 5432], { timeout: 10 }));
    await clock.tickAsync(10);
    const err = rejected(t) as Error;
    assert.ok(err.message.includes('db.example'), err.message);
    assert.ok(err.message.includes('5432'), err.message);
    assert.ok(!err.message.includes('[object Object]'), err.message);
  });

  it('manager errors and abort reasons pass through unchanged', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1 });
    const err = new TypeError('driver says no');
    mock.once('create', { error: err });
    const t1 = track(pool.acquire('a'));
    const ac = new AbortController();
    const reason = { custom: 'reason' };
    ac.abort(reason);
    const t2 = track(pool.acquire('a', { signal: ac.signal }));
    await settle(clock);
    assert.equal(rejected(t1), err);
    assert.equal(rejected(t2), reason);
    assert.ok(!(err instanceof ConnectionPoolError));
  });

  it('the errors of section 7 too, with messages naming the endpoint and the limit', async () => {
    const { pool, mock } = makePool({ minIdle: 0, maxSize: 1, maxWaiters: 0 });
    await pool.acquire('db-1');
    const full = track(pool.acquire('db-1'));
    const refused = new Error('ECONNREFUSED');
    mock.once('create', { error: refused });
    await assert.rejects(pool.acquire('db-2'), refused);
    const unavailable = track(pool.acquire('db-2'));
    await settle(clock);
    assertPoolError(
      rejected(full),
      ConnectionPoolQueueFullError,
      'ERR_POOL_QUEUE_FULL',
      'ConnectionPoolQueueFullError',
    );
    assertPoolError(
      rejected(unavailable),
      EndpointUnavailableError,
      'ERR_POOL_ENDPOINT_UNAVAILABLE',
      'EndpointUnavailableError',
    );
    const fullMessage = (rejected(full) as Error).message;
    assert.ok(fullMessage.includes('db-1') && fullMessage.includes('maxWaiters'), fullMessage);
    const err = rejected(unavailable) as Error;
    assert.ok(
      err.message.includes('db-2') && err.message.includes('createRetryDelay'),
      err.message,
    );
    assert.equal(err.cause, refused);
  });
});
