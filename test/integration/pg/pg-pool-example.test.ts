// examples/pg-pool-consumers.ts runs as a user would run it and prints its report, and README's
// "Coming from pg.Pool" shows its code: its imports of the package and the part between its
// README markers, the imports spelt as a user's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runExample } from '../helpers/run-example.ts';

const FILE = 'examples/pg-pool-consumers.ts';
const read = (path: string): string =>
  readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The README block the example stands for. */
function readmeBlockOf(source: string): string {
  const lines = source.split('\n');
  const imports = lines
    .filter(
      (line) =>
        line.startsWith('import ') && !line.includes("'node:") && !line.includes("'../test/"),
    )
    .map((line) =>
      line
        .replace("'../src/contrib/pg/index.ts'", "'generic-connection-pool/contrib/pg'")
        .replace("'../src/index.ts'", "'generic-connection-pool'"),
    );
  const body: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.trim() === '// README start') inside = true;
    else if (line.trim() === '// README end') inside = false;
    else if (inside) body.push(line.replace(/^ {2}/, ''));
  }
  return `${imports.join('\n')}\n\n${body.join('\n')}\n`;
}

describe(FILE, { timeout: 60_000 }, () => {
  it('runs Kysely on a PgPool and knex and Drizzle on views, exits 0', async () => {
    const { code, stdout, stderr } = await runExample(FILE);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.equal(
      stdout,
      [
        'kysely on a PgPool: inserted and read "hello from Kysely"; ended: true',
        'knex on the master view: inserted 1 row in a transaction',
        'drizzle on the replica view: 2 rows, as application_name replica',
        'shared pool: 2 clients, 2 idle, at most totalMaxSize 6',
        'closed: 0 clients',
        '',
      ].join('\n'),
    );
  });

  it('is what README shows under "Coming from pg.Pool"', () => {
    const block = /```ts pg-pool-consumers\n([\s\S]*?)```/.exec(read('README.md'))?.[1];
    assert.equal(block, readmeBlockOf(read(FILE)));
  });
});
