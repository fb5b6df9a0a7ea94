// Kysely 0.28 (PostgresDialect({ pool })) over PgPool and over views of a shared pool: see
// harness.ts for what each does. Kysely's destroy() ends the pool it was given.
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { type Consumer, describeConsumer, type Row, transactionOf } from './harness.ts';

function kysely(pool: pg.Pool): Consumer {
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  return {
    query: async (text) => (await sql.raw<Row>(text).execute(db)).rows,
    transaction: transactionOf<Transaction<Record<string, never>>>(
      (callback) => db.transaction().execute(callback),
      (trx) => async (text) => (await sql.raw<Row>(text).execute(trx)).rows,
    ),
    close: () => db.destroy(),
  };
}

describeConsumer('Kysely', kysely);
