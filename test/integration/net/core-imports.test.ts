// The core is runtime-neutral (SPEC §1): importing `generic-connection-pool` must not load node:net
// or node:tls, which only contrib/net may use. Proven twice: on the module graph of the source,
// walked from src/index.ts with TypeScript's own import scanner (static and dynamic imports,
// re-exports), and at run time on a fresh build, in a plain Node.js (tsx itself loads node:net).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import ts from 'typescript';
import { skipOn } from '../helpers/runtime.ts';

const run = promisify(execFile);

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

  it('at run time: the built core loads neither node:net nor node:tls; contrib/net loads both', {
    timeout: 120_000,
    ...skipOn(['bun', 'deno'], 'reads process.moduleLoadList, a list only Node.js keeps'),
  }, async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'gcp-build-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    await run(join(root, 'node_modules', '.bin', 'tsdown'), ['--out-dir', out], { cwd: root });
    const script = `
      const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (net|tls)$/.test(m));
      await import(${JSON.stringify(join(out, 'index.js'))});
      const core = loaded();
      await import(${JSON.stringify(join(out, 'contrib', 'net', 'index.js'))});
      console.log(JSON.stringify({ core, net: loaded() }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    assert.deepEqual(JSON.parse(stdout), {
      core: [],
      net: ['NativeModule net', 'NativeModule tls'],
    });
  });
});
