import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('README', () => {
  const readme = read('../README.md');

  it('shows examples/quickstart.ts (which CI type-checks and runs) as its first example, importing the package', () => {
    const block = /```js quickstart\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = read('../examples/quickstart.ts')
      .replaceAll("'../src/index.ts'", "'generic-connection-pool'")
      .replaceAll("'../src/contrib/net/index.ts'", "'generic-connection-pool/contrib/net'");
    assert.equal(block, file);
    // Only the package and Node.js built-ins: it runs when pasted into a file.
    const imports = [...file.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(
      imports.filter((name) => !/^(node:|generic-connection-pool(\/|$))/.test(name ?? '')),
      [],
    );
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?!https?:|#)[^)#\s]+)[^)]*\)/g)].map((m) => m[1]);
    assert.ok(links.includes('docs/benchmarks.md') && links.includes('docs/reliability.md'));
    for (const link of links) assert.ok(existsSync(new URL(`../${link}`, import.meta.url)), link);
  });

  it('says where `await using` parses, and shows lease with try/finally for Node.js 20', async () => {
    const prose = readme.replace(/\s+/g, ' ');
    assert.ok(prose.includes('natively on Node.js 24, Bun and Deno'));
    assert.ok(prose.includes('In plain JavaScript on Node.js 20 it is a SyntaxError'));
    const block = /```js\n(const lease = await pool\.lease\([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'README has the try/finally block');
    // Plain JavaScript that parses everywhere; run against a stand-in pool, it releases the lease
    // once, after the write.
    const calls: string[] = [];
    const pool = {
      lease: async (endpoint: unknown) => {
        calls.push(`lease ${JSON.stringify(endpoint)}`);
        return {
          connection: { write: (data: string) => calls.push(`write ${JSON.stringify(data)}`) },
          release: async () => void calls.push('release'),
        };
      },
    };
    const AsyncFunction = (async () => {}).constructor as new (
      ...params: string[]
    ) => (pool: unknown) => Promise<void>;
    await new AsyncFunction('pool', block)(pool);
    assert.deepEqual(calls, ['lease ["127.0.0.1",7000]', 'write "ping\\n"', 'release']);
  });
});
