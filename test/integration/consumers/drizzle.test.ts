// Drizzle 0.45 (drizzle(pool) of drizzle-orm/node-postgres, db.transaction with tx.rollback())
// over PgPool and over views of a shared pool: see harness.ts for what each does. Drizzle runs a
// transaction on one client only when it recognises a pg.Pool (instanceof, or the class name).
import { sql } from 'drizzle-orm';
import { TransactionRollbackError } from 'drizzle-orm/errors';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { type Consumer, describeConsumer, transactionOf } from './harness.ts';

function drizzleOf(pool: pg.Pool): Consumer {
  const db = drizzle(pool);
  return {
    query: async (text) => (await db.execute(sql.raw(text))).rows,
    transaction: transactionOf<Parameters<Parameters<typeof db.transaction>[0]>[0]>(
      (callback) => db.transaction(callback),
      (tx) => async (text) => (await tx.execute(sql.raw(text))).rows,
      (tx) => tx.rollback(),
      (error) => error instanceof TransactionRollbackError,
    ),
    close: async () => {}, // drizzle leaves the pool to its owner
  };
}

describeConsumer('Drizzle', drizzleOf);
