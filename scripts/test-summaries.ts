// The runtimes' own test counts, read from their output (colours stripped) by scripts/test.ts.

/** What one runtime's run counted. */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

// node --test, spec reporter: `ℹ pass 5`, `ℹ fail 0`, `ℹ cancelled 0` (a cancelled test failed),
// `ℹ skipped 1`. test/browser/run.ts prints the same lines.
export function nodeSummary(output: string): Counts | undefined {
  const count = (key: string) =>
    Number(output.match(new RegExp(`^ℹ ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  if (!/^ℹ pass \d+$/m.test(output)) return undefined;
  return {
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped'),
  };
}

// bun test: ` 4 pass`, ` 1 skip`, ` 0 fail`, and ` 1 error` for errors outside tests.
export function bunSummary(output: string): Counts | undefined {
  const count = (re: RegExp) => Number(output.match(re)?.[1] ?? 0);
  if (!/^\s*\d+ pass$/m.test(output)) return undefined;
  return {
    passed: count(/^\s*(\d+) pass$/m),
    failed: count(/^\s*(\d+) fail$/m) + count(/^\s*(\d+) errors?$/m),
    skipped: count(/^\s*(\d+) skip$/m),
  };
}

// deno test: `ok | 12 passed (76 steps) | 0 failed | 1 ignored (2 steps) (1s)`. Deno runs a
// describe() as a test and its it()s as its steps; node and bun count only the it()s. So the groups
// are taken off to count the same tests. A group is printed alone as `name ...`, followed by its
// steps (indented further), then again with its result. A test that prints is printed alone as
// `name ...` too, but followed by its `------- output -------` (not indented): not a group.
export function denoSummary(output: string): Counts | undefined {
  const m = output.match(
    /^(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored(?: \((\d+) steps?\))?)?/m,
  );
  if (!m) return undefined;
  const groups = { ok: 0, FAILED: 0 };
  const open = new Set<string>();
  const lines = output.split('\n');
  const indent = (line: string) => line.length - line.trimStart().length;
  for (const [i, line] of lines.entries()) {
    const next = lines[i + 1];
    if (line.endsWith(' ...') && next !== undefined && indent(next) > indent(line)) open.add(line);
    const result = line.match(/^(.*) \.\.\. (ok|FAILED)\b/);
    if (result && open.delete(`${result[1]} ...`)) groups[result[2] as 'ok' | 'FAILED']++;
  }
  return {
    passed: Number(m[1]) + Number(m[2] ?? 0) - groups.ok,
    failed: Number(m[3]) + Number(m[4] ?? 0) - groups.FAILED,
    skipped: Number(m[5] ?? 0) + Number(m[6] ?? 0),
  };
}
