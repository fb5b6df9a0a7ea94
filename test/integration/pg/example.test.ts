// examples/pg-master-replica.ts runs as a user would run it, and prints what the README says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExample } from '../helpers/run-example.ts';

describe('examples/pg-master-replica.ts', { timeout: 60_000 }, () => {
  it('starts its own PostgreSQL, writes on the master, reads on the replicas, exits 0', async () => {
    const { code, stdout, stderr } = await runExample('examples/pg-master-replica.ts');
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      [
        'master: created greetings and inserted 1 row',
        'replica-1: read "hello from the master" as application_name replica-1',
        'replica-2: read "hello from the master" as application_name replica-2',
        'pool: 3 connections; idle: master 1, replica-1 1, replica-2 1',
        'closed: 0 connections',
        '',
      ].join('\n'),
    );
    assert.equal(stderr, '');
  });
});
