// The test server of helpers/postgres.ts keeps its data across stop() and start(), on every
// runtime: the fleet and outage tests restart it mid-load. Regression: on Deno, whose kill()
// closes a child's stdin before it signals, the watchdog killed at each stop sometimes removed
// the data directory first (1 restart in 12 under load), and the next start() failed with
// "could not access the server configuration file". And a process killed without destroy()
// leaves no server and no directory behind.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { usePostgres } from './use-postgres.ts';

const db = usePostgres();

/** Whether something accepts a TCP connection on 127.0.0.1:`port`. */
async function listening(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  const outcome = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
  });
  socket.destroy();
  return outcome;
}

describe('the test PostgreSQL server', { timeout: 60_000 }, () => {
  it('keeps its data over 20 stops and starts, and is running after each start', async () => {
    await db.server.query('CREATE TABLE restarts (n int)');
    for (let n = 1; n <= 20; n++) {
      await db.server.stop('fast');
      assert.equal(db.server.running, false);
      await db.server.start();
      assert.equal(db.server.running, true);
      await db.server.query('INSERT INTO restarts VALUES ($1)', [n]);
    }
    const rows = await db.server.query<{ total: number; count: number }>(
      'SELECT sum(n)::int AS total, count(*)::int AS count FROM restarts',
    );
    assert.deepEqual(rows, [{ total: 210, count: 20 }]);
  });

  it('is shut down and removed by its watchdog when its process is killed', async () => {
    const child = fork(join(import.meta.dirname, '..', 'fixtures', 'orphaned-postgres.ts'), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [{ dataDirectory, port }] = (await once(child, 'message')) as [
      { dataDirectory: string; port: number },
    ];
    assert.equal(existsSync(join(dataDirectory, 'postgresql.conf')), true);
    assert.equal(await listening(port), true);
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGKILL'); // Deno's child.kill() would close the IPC channel first
    assert.deepEqual(await exited, [null, 'SIGKILL']);
    // The watchdog works on its own, with no event to await here: ask until it is done (≤ 10 s).
    const deadline = Date.now() + 10_000;
    while (existsSync(dataDirectory) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(existsSync(dataDirectory), false, 'the directory is removed');
    assert.equal(await listening(port), false, 'the server is down');
  });
});
