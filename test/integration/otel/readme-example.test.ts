import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The package's subpaths, pointed at the sources. */
const SOURCES: Record<string, string> = {
  'generic-connection-pool': 'src/index.ts',
  'generic-connection-pool/contrib/otel': 'src/contrib/otel/index.ts',
  'generic-connection-pool/testing': 'src/testing/index.ts',
};

/** `text` as the console prints a string: Node.js quotes it with ', Bun and Deno with ". */
const quoted = (text: string) => `['"]${text.replaceAll('.', '\\.')}['"]`;

describe('README OpenTelemetry example', () => {
  it('runs and exports the pool metrics through the console exporter', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const block = /```ts otel\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'README has a ```ts otel block');
    const code = block.replace(/from '(generic-connection-pool[^']*)'/g, (_all, name: string) => {
      const source = SOURCES[name];
      assert.ok(source !== undefined, `unexpected import ${name}`);
      return `from ${JSON.stringify(pathToFileURL(join(root, source)).href)}`;
    });
    // Inside the repository (the ignored .cache/), so that the SDK resolves from node_modules.
    await mkdir(join(root, '.cache'), { recursive: true });
    const dir = await mkdtemp(join(root, '.cache', 'otel-readme-'));
    try {
      const file = join(dir, 'example.mts');
      await writeFile(file, code);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
        cwd: root,
        timeout: 30_000,
      });
      assert.match(stdout, /^using connection 1$/m);
      for (const name of [
        'db.client.connection.count',
        'db.client.connection.max',
        'db.client.connection.pending_requests',
        'db.client.connection.create_time',
        'db.client.connection.wait_time',
        'db.client.connection.use_time',
      ]) {
        assert.match(stdout, new RegExp(`name: ${quoted(name)}`), `${name} exported`);
      }
      assert.match(
        stdout,
        new RegExp(
          `${quoted('db.client.connection.pool.name')}: ${quoted('orders db.internal:5432')}`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
