// An idle pool lets its process exit: the acquire deadlines' timer, kept armed after the last
// acquire (re-arming one per acquire cost more than the acquire), no longer holds the process.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExample } from './helpers/run-example.ts';

describe('an open, idle pool', () => {
  it('lets the process exit long before the last acquire deadline', async () => {
    const started = performance.now();
    const { code, stdout, stderr } = await runExample(
      'test/integration/fixtures/exit-after-acquire.ts',
      { killAfterMs: 60_000 },
    );
    assert.equal(stderr, '');
    assert.equal(stdout, 'released, 1 idle\n');
    assert.equal(code, 0, 'exited by itself, not killed at 60 s');
    assert.ok(performance.now() - started < 60_000);
  });
});
