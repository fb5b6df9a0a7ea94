// Each socket manager passes the conformance check of `generic-connection-pool/testing` against a
// real server of its kind, including "the peer went away" (the server ends its side).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConnectionManager } from '../../../src/testing/index.ts';
import { netKinds } from '../helpers/net-kinds.ts';

describe('checkConnectionManager', () => {
  for (const kind of netKinds) {
    it(`passes for the ${kind.name} manager`, async (t) => {
      const setup = await kind.start();
      t.after(() => setup.server.close());
      const report = await checkConnectionManager(setup.manager, setup.endpoint, {
        timeout: 2_000,
        // The server ends every connection, also one it has not accepted yet (a Unix client is
        // connected before the server's accept runs; it has no port to pick it out by).
        peerGone: () => setup.server.endAll(),
      });
      assert.ok(report.ok, report.summary);
      assert.deepEqual(
        report.steps.filter((s) => s.status !== 'passed').map((s) => s.name),
        [],
        report.summary,
      );
      await setup.server.whenOpenAtMost(0);
    });
  }
});
