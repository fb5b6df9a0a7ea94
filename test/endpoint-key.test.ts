// The default endpoint key (rule 1) on a circular endpoint, and how messages show endpoints
// (a property holding undefined shows as such). How undefined is keyed: test/pool-keys.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { show } from '../src/internal/show.ts';
import { call, makePool, rejected, settle, track, useFakeClock } from './helpers/pool.ts';

describe('default endpoint key: circular endpoints, and endpoints in messages', () => {
  const clock = useFakeClock();

  const selfObject: Record<string, unknown> = { host: 'db' };
  selfObject.self = selfObject;
  const selfArray: unknown[] = ['db', 5432];
  selfArray.push(selfArray);
  const outer: Record<string, unknown> = { host: 'db', inner: { port: 5432 } };
  (outer.inner as Record<string, unknown>).back = [outer];

  for (const [name, endpoint, shown] of [
    ['an object holding itself', selfObject, '{"host":"db","self":[Circular]}'],
    ['an array holding itself', selfArray, '["db",5432,[Circular]]'],
    [
      'a cycle through a nested object',
      outer,
      '{"host":"db","inner":{"port":5432,"back":[[Circular]]}}',
    ],
  ] as const) {
    it(`${name} is a TypeError naming the endpoint, state unchanged`, async () => {
      const { pool, mock, log } = makePool<unknown>({ minIdle: 1, maxSize: 5 });
      const t = call(() => pool.acquire(endpoint));
      await settle(clock);
      const err = rejected(t);
      assert.ok(err instanceof TypeError, `expected a TypeError, got ${String(err)}`);
      assert.equal(
        err.message,
        `Endpoint ${shown} cannot be keyed: it contains itself (circular); pass the \`endpointKey\` option to key it`,
      );
      assert.equal(pool.size, 0);
      assert.equal(mock.calls.length, 0, 'no hook was called');
      assert.equal(log.length, 0, 'no event was emitted');
      assert.throws(() => pool.getEndpointPoolSize(endpoint), { message: err.message });
    });
  }

  it('undefined itself is still a TypeError at acquire', async () => {
    const { pool } = makePool<unknown>();
    const t = call(() => pool.acquire(undefined));
    await settle(clock);
    assert.ok(rejected(t) instanceof TypeError);
    assert.match((rejected(t) as Error).message, /^Endpoint undefined cannot be keyed: /);
  });

  it('messages show a property holding undefined, unlike a missing one', async () => {
    const { pool } = makePool<unknown>({ minIdle: 0, maxSize: 1 });
    await pool.acquire({ host: 'db', port: undefined });
    const t = track(pool.acquire({ host: 'db', port: undefined }, { timeout: 10 }));
    await clock.tickAsync(10);
    const message = (rejected(t) as Error).message;
    assert.ok(message.includes('{"host":"db","port":undefined}'), message);
  });

  it('show() formats every value as it is', () => {
    assert.equal(show({ host: 'db', port: undefined }), '{"host":"db","port":undefined}');
    assert.equal(show({ host: 'db' }), '{"host":"db"}');
    assert.equal(show(['db', undefined, null]), '["db",undefined,null]');
    assert.equal(show([Number.NaN, -0, Infinity, 1.5]), '[NaN,-0,Infinity,1.5]');
    assert.equal(
      show({ n: 1n, f: function named() {}, d: new Date(0) }),
      '{"n":1n,"f":function named,"d":[object Date]}',
    );
    assert.equal(show('a"b'), '"a\\"b"');
    assert.equal(show(undefined), 'undefined');
    assert.equal(show(Object.assign(Object.create(null), { a: 1 })), '{"a":1}');
    const shared = { a: 1 };
    assert.equal(show([shared, shared]), '[{"a":1},{"a":1}]', 'a repeat that is no cycle');
  });
});
