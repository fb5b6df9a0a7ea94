// knex 3.3 (connectionPool: pool, its bring-your-own pg.Pool option) over PgPool and over views of
// a shared pool: see harness.ts for what each does. knex's destroy() leaves such a pool open.
import knexOf, { type Knex } from 'knex';
import type pg from 'pg';
import { type Consumer, describeConsumer, transactionOf } from './harness.ts';

function knex(pool: pg.Pool): Consumer {
  const db = knexOf({ client: 'pg', connectionPool: pool });
  const rows = async (result: Promise<{ rows: Record<string, unknown>[] }>) => (await result).rows;
  return {
    query: (text) => rows(db.raw(text)),
    transaction: transactionOf<Knex.Transaction>(
      (callback) => db.transaction(callback),
      (trx) => (text) => rows(trx.raw(text)),
    ),
    close: () => db.destroy(),
  };
}

describeConsumer('knex', knex);
