// PgConnectionManager passes checkConnectionManager (generic-connection-pool/testing) against a
// real PostgreSQL, with the session terminated on the server as "the peer went away".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { PgConnectionManager } from '../../../src/contrib/pg/index.ts';
import { checkConnectionManager } from '../../../src/testing/index.ts';
import { backendsSettle } from '../helpers/postgres.ts';
import { backendPid, usePostgres } from './use-postgres.ts';

const db = usePostgres();

async function terminate(client: pg.Client): Promise<void> {
  await db.server.query('SELECT pg_terminate_backend($1)', [await backendPid(client)]);
}

describe('PgConnectionManager conformance', { timeout: 30_000 }, () => {
  it('passes every step of checkConnectionManager', async () => {
    const manager = new PgConnectionManager({ master: db.server.config });
    const report = await checkConnectionManager(manager, 'master', { peerGone: terminate });
    assert.ok(report.ok, report.summary);
    assert.deepEqual(
      report.steps.map((step) => [step.name, step.status]),
      [
        ['create', 'passed'],
        ['createDistinct', 'passed'],
        ['checkAliveness', 'passed'],
        ['dispose', 'passed'],
        ['createAborted', 'passed'],
        ['abortDuringCreate', 'passed'],
        ['peerGone', 'passed'],
        ['disposeDead', 'passed'],
      ],
      report.summary,
    );
    assert.equal(await backendsSettle(db.server, 0), 0);
  });
});
