// Builds and packs the package, then checks the tarball as a consumer would get it:
// publint (package.json, `exports`, files) and @arethetypeswrong/cli (the types that CJS and ESM
// importers resolve). The tarball is deleted afterwards.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
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
try {
  console.log(`\n# ${packed.filename}: ${packed.files.length} files`);
  for (const file of packed.files) console.log(`#   ${file.path}`);
  run(bin('publint'), ['run', '--strict', tarball]);
  // node16 profile: CJS and ESM under node16/nodenext, and bundler resolution. The default profile
  // also asks node10 (no `exports` support), which cannot see subpaths such as ./testing.
  run(bin('attw'), ['--profile', 'node16', tarball]);
} finally {
  rmSync(tarball, { force: true });
}
