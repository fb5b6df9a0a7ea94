// The core is runtime-neutral (SPEC §1): importing `generic-connection-pool` must not load node:net
// or node:tls, which only contrib/net may use. Proven on the module graph of the source, walked from
// src/index.ts with TypeScript's own import scanner (static and dynamic imports, re-exports).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../../..');

/** Every module reachable from `entry`: project files, and the bare specifiers they import. */
function moduleGraph(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) visit(resolve(dirname(file), fileName));
      else external.add(fileName);
    }
  };
  visit(join(root, entry));
  return { files: [...files].map((f) => relative(root, f)).sort(), external: [...external] };
}

describe('module graph', () => {
  it('of the core (src/index.ts) imports nothing outside the project', () => {
    const { files, external } = moduleGraph('src/index.ts');
    assert.deepEqual(external, []);
    assert.ok(files.includes('src/pool.ts'), 'the walk follows imports');
    assert.deepEqual(
      files.filter((f) => f.includes('contrib')),
      [],
    );
  });

  it('of contrib/net loads node:net and node:tls, and the core only through its entry', () => {
    const { files, external } = moduleGraph('src/contrib/net/index.ts');
    assert.deepEqual(external.sort(), ['node:net', 'node:tls', 'node:util']);
    const core = files.filter((f) => !f.startsWith('src/contrib/'));
    assert.ok(core.includes('src/index.ts'));
    for (const file of files.filter((f) => f.startsWith('src/contrib/net/'))) {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'));
      for (const { fileName } of importedFiles) {
        assert.ok(
          !fileName.startsWith('../') || fileName === '../../index.ts',
          `${file} imports ${fileName}`,
        );
      }
    }
  });
});
