// The examples run as a user would run them (`node --import tsx examples/X.ts`): each exits 0 and
// prints what its comments promise. To add one, add a row to `examples`. The README's first
// example runs too, exactly as printed, as a plain JavaScript file against the built package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runExample } from './helpers/run-example.ts';

const root = join(import.meta.dirname, '..', '..');

interface Example {
  readonly file: string;
  /** Lines the output must contain, in this order (other lines may come between). */
  readonly lines: readonly RegExp[];
  /** Checks of the numbers that `lines` captured, in order. */
  readonly check?: (numbers: readonly number[]) => void;
}

const examples: readonly Example[] = [
  {
    file: 'examples/quickstart.ts',
    lines: [/^echo: hello$/, /^echo: again$/, /^1 1$/],
  },
  {
    file: 'examples/tls-quickstart.ts',
    lines: [
      /^requests: 60 sent, 60 ok$/,
      /^acquires: (\d+) = (\d+) first uses of a connection \+ (\d+) reuses$/,
      /^connections: (\d+) created = (\d+) used \+ (\d+) never used$/,
      /^queueing: (\d+) of (\d+) acquires queued \(no idle connection, no room to create one\); the slowest acquire took \d+ ms$/,
      /^ {2}pool\.size 8$/, // after the burst: totalMaxSize reached
      /^after idleTimeout \(2 s\):$/,
      /^ {2}localhost:\d+ {2}connections 1, idle 1$/, // the persistent one stays
      /^ {2}pool\.size 3$/,
      /^closed: (\d+) disposed \(.*closed 3\); pool\.size 0$/,
    ],
    // The figures add up: every request is one acquire, each a first use or a reuse; each
    // connection created was used or not; at most all acquires queued; every one was disposed.
    check: ([acquires, firstUses, reuses, created, used, unused, queued, of, disposed]) => {
      assert.equal(acquires, 60);
      assert.equal(firstUses! + reuses!, 60);
      assert.equal(used, firstUses);
      assert.equal(used! + unused!, created);
      assert.ok(created! >= 8, `${created} created: at least totalMaxSize`);
      assert.equal(of, 60);
      assert.ok(queued! <= 60 - 8, `${queued} queued: the first 8 create at once`);
      assert.equal(disposed, created);
    },
  },
  {
    file: 'examples/custom-manager.ts',
    lines: [/^echo: GET \/$/, /^idle sockets: 1$/],
  },
];

/** Asserts that `stdout` has lines matching `patterns` in order; returns the numbers they captured. */
function matchLines(stdout: string, patterns: readonly RegExp[]): number[] {
  const lines = stdout.split('\n');
  const numbers: number[] = [];
  let at = 0;
  for (const pattern of patterns) {
    const found = lines.findIndex((line, i) => i >= at && pattern.test(line));
    assert.ok(found !== -1, `no line matching ${pattern} after line ${at} in:\n${stdout}`);
    numbers.push(
      ...(pattern
        .exec(lines[found] ?? '')
        ?.slice(1)
        .map(Number) ?? []),
    );
    at = found + 1;
  }
  return numbers;
}

describe('examples', () => {
  for (const example of examples) {
    it(`${example.file} runs, exits 0 and prints its report`, { timeout: 60_000 }, async () => {
      const { code, stdout, stderr } = await runExample(example.file);
      assert.equal(code, 0, `exit code ${code}\n${stdout}\n${stderr}`);
      assert.equal(stderr, '');
      example.check?.(matchLines(stdout, example.lines));
    });
  }
});

/** Builds dist/ (`npm run build`) unless it is newer than every file under src/. */
function buildIfStale(): void {
  const built = statSync(join(root, 'dist', 'index.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' });
  if (sources.some((file) => statSync(join(root, 'src', file)).mtimeMs > built)) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  }
}

describe("README's first example", () => {
  it('runs exactly as printed, saved as quickstart.mjs and run by plain Node.js', {
    timeout: 60_000,
  }, async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const block = /```js quickstart\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'README has a ```js quickstart block');
    buildIfStale();
    // In the repository (the ignored .cache/), where `generic-connection-pool` resolves to the
    // package itself (a self-reference through package.json `exports`), so to dist/.
    await mkdir(join(root, '.cache'), { recursive: true });
    const dir = await mkdtemp(join(root, '.cache', 'quickstart-'));
    try {
      const file = join(dir, 'quickstart.mjs');
      await writeFile(file, block);
      const { code, stdout, stderr } = await runExample(file, { tsx: false });
      assert.equal(stderr, '');
      assert.equal(code, 0);
      assert.equal(stdout, 'echo: hello\necho: again\n1 1\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
