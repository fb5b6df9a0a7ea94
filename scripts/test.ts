// Runs the tests on every runtime the library supports, one after another:
//   node20    the machine's Node.js, through tsx: every test/**/*.test.ts
//   node24    Node.js 24, running the TypeScript natively: the portable tests
//   bun       `bun test`: every test file
//   deno      `deno test`: every test file
//   chromium  headless Chromium (test/browser/run.ts): the portable tests
// Portable = every test file except those under test/integration/ (real servers, child processes).
// Node.js 24 passes those too, but they add minutes to a run and little that Node.js 20 does not
// show. A runtime leaves out the files `notOn` below lists for it, each with its reason. A case
// that a runtime's own bug breaks is marked in its test file with skipOn()
// (test/integration/helpers/runtime.ts).
// Node.js 24, Bun and Deno come from test/runtimes/, a private package installed on first use;
// Chromium from the system (see test/browser/chromium.ts): without it the run stops at once.
//
// Usage: npm test -- [--runtime node20,node24,bun,deno,chromium] [test files or directories...]
// Each runtime's output is streamed as it comes. The last line sums the runtimes' own summaries:
// `tests: N passed, M failed, K skipped`. Exits non-zero if any runtime fails or no test ran.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { missingChromium } from '../test/browser/chromium.ts';
import { bunSummary, type Counts, denoSummary, nodeSummary } from './test-summaries.ts';

interface Runtime {
  /** false: runs every test file; true: only the portable ones (none under test/integration/). */
  portable: boolean;
  command(files: string[]): [file: string, args: string[]];
  /** The runtime's own counts, or undefined when its summary line is missing. */
  summary(output: string): Counts | undefined;
}

const root = join(import.meta.dirname, '..');
const runtimesDir = join(root, 'test', 'runtimes');
const runtimeBin = (name: string) => join(runtimesDir, 'node_modules', '.bin', name);
/** A runtime that prints nothing for this long is stuck: it is killed and counted as failed. */
const silenceLimitMs = Number(process.env.TEST_SILENCE_LIMIT_MS ?? 10 * 60_000);

/**
 * Test files a runtime does not run, with the reason: the whole file needs what that runtime lacks.
 * Listed in the report, so that nothing is left out unseen.
 */
const notOn: Record<string, Record<string, string>> = {
  bun: {
    'test/integration/reliability/soak.test.ts':
      "needs V8's gc() (node:v8 setFlagsFromString('--expose-gc')); Bun runs JavaScriptCore",
  },
  chromium: {
    'test/readme.test.ts': 'reads README.md through node:fs',
    'test/reliability/model.test.ts':
      'reads its settings and unhandled rejections through node:process',
    'test/pool-leak.test.ts':
      "checks that a leak's stack names the test file: in a page, every frame is in one bundle",
  },
};

const runtimes: Record<string, Runtime> = {
  node20: {
    portable: false,
    command: (files) => [
      process.execPath,
      ['--import', 'tsx', '--enable-source-maps', '--test', '--test-reporter=spec', ...files],
    ],
    summary: nodeSummary,
  },
  node24: {
    portable: true,
    command: (files) => [runtimeBin('node'), ['--test', '--test-reporter=spec', ...files]],
    summary: nodeSummary,
  },
  bun: {
    portable: false,
    // A bare argument is a test-name filter to bun: a file path must start with ./
    // --timeout: bun's default of 5 s per test is far below node's and deno's (none).
    command: (files) => [
      runtimeBin('bun'),
      ['test', '--timeout', '60000', ...files.map((file) => `./${file}`)],
    ],
    summary: bunSummary,
  },
  deno: {
    portable: false,
    // --no-check: `npm run typecheck` does that; --no-lock: leave no deno.lock behind.
    command: (files) => [runtimeBin('deno'), ['test', '-A', '--no-check', '--no-lock', ...files]],
    summary: denoSummary,
  },
  chromium: {
    portable: true,
    command: (files) => [
      process.execPath,
      ['--import', 'tsx', join(root, 'test', 'browser', 'run.ts'), ...files],
    ],
    summary: nodeSummary,
  },
};

function parseArgs(argv: string[]): { names: string[]; files: string[] } {
  // npm runs scripts in the package root; INIT_CWD is where `npm test -- FILE` was typed.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const names: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--runtime' || arg === '-r') names.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--runtime=')) names.push(...arg.slice('--runtime='.length).split(','));
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else {
      const path = relative(root, resolve(cwd, arg)).split(sep).join('/');
      files.push(...(statSync(join(root, path)).isDirectory() ? findTests(path) : [path]));
    }
  }
  const unknown = names.filter((name) => !(name in runtimes));
  if (unknown.length) throw new Error(`unknown runtime ${unknown}: use ${Object.keys(runtimes)}`);
  return { names: names.length ? names : Object.keys(runtimes), files };
}

/** DIR/**\/*.test.ts (but not test/runtimes/), relative to the root with forward slashes. */
function findTests(dir = 'test'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return path === 'test/runtimes' ? [] : findTests(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

function installRuntimes(): void {
  if (['node', 'bun', 'deno'].every((name) => existsSync(runtimeBin(name)))) return;
  console.log('# installing Node.js 24, Bun and Deno into test/runtimes/ (npm ci)');
  const args = ['ci', '--no-audit', '--no-fund', '--prefix', runtimesDir];
  const result = spawnSync('npm', args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new Error('npm ci in test/runtimes failed');
}

/** Runs one command, streaming its output, and resolves with its exit code and what it printed. */
function run([file, args]: [string, string[]]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // Plain output, and no update check or telemetry: only the npm registry may be reachable.
    const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' };
    const child = spawn(file, args, { cwd: root, env });
    const printed = { stdout: '', stderr: '' };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watchdog = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        console.error(`\n# no output for ${silenceLimitMs} ms: killing ${file}`);
        child.kill('SIGKILL');
      }, silenceLimitMs);
    };
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].setEncoding('utf8');
      child[name].on('data', (chunk: string) => {
        watchdog();
        printed[name] += chunk;
        process[name].write(chunk);
      });
    }
    watchdog();
    child.on('error', (error) => console.error(error));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output: `${printed.stdout}\n${printed.stderr}` });
    });
  });
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`scripts/test.ts: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}
const allFiles = args.files.length ? args.files : findTests();
const isPortable = (file: string) => !file.startsWith('test/integration/');
const missing = args.names.includes('chromium') ? missingChromium() : undefined;
if (missing) {
  console.error(`scripts/test.ts: ${missing}`);
  process.exit(2);
}
if (args.names.some((name) => ['node24', 'bun', 'deno'].includes(name))) installRuntimes();

const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
const report: string[] = [];
for (const name of args.names) {
  const runtime = runtimes[name] as Runtime;
  const left = notOn[name] ?? {};
  const files = allFiles.filter((file) => (!runtime.portable || isPortable(file)) && !left[file]);
  for (const file of allFiles.filter((f) => left[f])) {
    report.push(`# ${name}: not run: ${file} (${left[file]})`);
  }
  if (files.length === 0) {
    report.push(`# ${name}: no test files to run`);
    continue;
  }
  console.log(`\n# ${name}: ${files.length} test file(s)`);
  const started = Date.now();
  const { code, output } = await run(runtime.command(files));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const counts = runtime.summary(output.replace(/\x1b\[[0-9;]*m/g, ''));
  const passed = counts?.passed ?? 0;
  const skipped = counts?.skipped ?? 0;
  // A runtime that exits non-zero, or prints no summary, has failed whatever it counted.
  const failed = Math.max(counts?.failed ?? 0, code !== 0 || !counts ? 1 : 0);
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const note = counts ? '' : ' (no summary found)';
  report.push(
    `# ${name}: exit code ${code}, ${passed} ok / ${failed} not ok / ${skipped} skipped${note} in ${seconds}s`,
  );
}

console.log(`\n${report.join('\n')}`);
if (totals.passed + totals.failed === 0) {
  console.log('# no test ran');
  totals.failed = 1;
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = totals.failed > 0 ? 1 : 0;
