// Builds and packs the package, then checks the tarball as a consumer would get it: it holds
// README.md, LICENSE, CHANGELOG.md and dist/; publint (package.json, `exports`, files);
// @arethetypeswrong/cli (the types that CJS and ESM importers resolve); and `deno check` of a file
// importing each entry's dist/**/index.js directly (typed through its @ts-self-types header).
// The tarball and the unpacked copy are deleted afterwards.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const run = (file: string, args: string[]) =>
  execFileSync(file, args, { cwd: root, stdio: 'inherit' });
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

run('npm', ['run', 'build']);
const packOutput = execFileSync('npm', ['pack', '--json', '--ignore-scripts'], {
  cwd: root,
  encoding: 'utf8',
});
const [packed] = JSON.parse(packOutput) as Array<{
  filename: string;
  files: Array<{ path: string }>;
}>;
if (!packed) throw new Error('npm pack printed no package');
const tarball = join(root, packed.filename);
// Under the repository (the ignored .cache/), so that Deno finds the peer dependencies' types
// (pg, @opentelemetry/api) in node_modules, as it would in a user's project.
mkdirSync(join(root, '.cache'), { recursive: true });
const unpacked = mkdtempSync(join(root, '.cache', 'package-'));
try {
  console.log(`\n# ${packed.filename}: ${packed.files.length} files`);
  for (const file of packed.files) console.log(`#   ${file.path}`);
  const paths = packed.files.map((file) => file.path);
  for (const path of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json', 'dist/index.js']) {
    assert.ok(paths.includes(path), `the package holds ${path}`);
  }
  const strays = paths.filter(
    (path) => !/^(dist\/|(README|CHANGELOG)\.md$|LICENSE$|package\.json$)/.test(path),
  );
  assert.deepEqual(
    strays,
    [],
    'the package holds nothing but README, LICENSE, CHANGELOG and dist/',
  );
  run(bin('publint'), ['run', '--strict', tarball]);
  // node16 profile: CJS and ESM under node16/nodenext, and bundler resolution. The default profile
  // also asks node10 (no `exports` support), which cannot see subpaths such as ./testing.
  run(bin('attw'), ['--profile', 'node16', tarball]);
  denoCheck(tarball, unpacked);
} finally {
  rmSync(tarball, { force: true });
  rmSync(unpacked, { recursive: true, force: true });
}

/**
 * Unpacks the tarball and type-checks with Deno a file that imports each entry's .js file by path,
 * as a Deno user with a copy of dist/ would. Each `@ts-expect-error` fails the check unless the
 * types were found (with no types, everything is `any` and nothing is an error).
 */
function denoCheck(tarball: string, dir: string): void {
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  const dist = (entry: string) => JSON.stringify(`./package/dist/${entry}index.js`);
  const file = join(dir, 'direct-import.ts');
  writeFileSync(
    file,
    [
      `import { ConnectionPool } from ${dist('')};`,
      `import { TcpSocketConnectionManager } from ${dist('contrib/net/')};`,
      `import { instrumentPool } from ${dist('contrib/otel/')};`,
      `import { PgConnectionManager } from ${dist('contrib/pg/')};`,
      `import { MockConnectionManager } from ${dist('testing/')};`,
      'const pool = new ConnectionPool(new TcpSocketConnectionManager());',
      '// @ts-expect-error the endpoint is [host, port]',
      "pool.acquire('db');",
      '// @ts-expect-error maxSize is a number',
      "new ConnectionPool(new MockConnectionManager<string>(), { maxSize: 'ten' });",
      '// @ts-expect-error the config is an object of pg client configs',
      'new PgConnectionManager(42);',
      'export const names = [instrumentPool.name, pool.size.toFixed()];',
      '',
    ].join('\n'),
  );
  const runtimes = join(root, 'test', 'runtimes');
  const deno = join(runtimes, 'node_modules', '.bin', 'deno');
  // Deno comes from test/runtimes/, which `npm test` installs on first use; this may run first.
  if (!existsSync(deno)) run('npm', ['ci', '--no-audit', '--no-fund', '--prefix', runtimes]);
  console.log('\n# deno check: direct imports of dist/**/index.js are typed');
  execFileSync(deno, ['check', '--no-lock', '--quiet', file], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
}
