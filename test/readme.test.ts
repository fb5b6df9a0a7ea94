import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('README', () => {
  it('shows examples/quickstart.ts (which CI runs) as its example, importing the package', () => {
    const readme = read('../README.md');
    const block = /```ts quickstart\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = read('../examples/quickstart.ts').replaceAll(
      "'../src/index.ts'",
      "'generic-connection-pool'",
    );
    assert.equal(block, file);
  });
});
