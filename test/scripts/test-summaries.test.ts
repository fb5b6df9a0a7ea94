// The runtimes' counts as scripts/test.ts reads them. The outputs are Deno 2.9.6's, Node.js's and
// Bun's own (colours stripped) for one file: a describe() holding a test that prints, a quiet
// one, one that prints and fails, and a nested describe() with a test and a skipped one; and a
// top-level test that prints. Node.js counts 4 passed, 1 failed, 1 skipped: so must the others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bunSummary, denoSummary, nodeSummary } from '../../scripts/test-summaries.ts';

const expected = { passed: 4, failed: 1, skipped: 1 };

describe("the runtimes' test counts", () => {
  it('Deno: a test that prints is not taken for a describe() (regression: 2 passed, 0 failed)', () => {
    const output = [
      'running 2 tests from ./s.test.ts',
      'group ...',
      '  prints ...',
      '------- output -------',
      'hello',
      '----- output end -----',
      '  prints ... ok (1ms)',
      '  quiet ... ok (1ms)',
      '  prints and fails ...',
      '------- output -------',
      'bye',
      '----- output end -----',
      '  prints and fails ... FAILED (1ms)',
      '  inner ...',
      '    deep ... ok (1ms)',
      '    skipped ... ignored (1ms)',
      '  inner ... ok (1ms)',
      'group ... FAILED (due to 1 failed step) (1ms)',
      'top-level prints ...',
      '------- output -------',
      'top',
      '----- output end -----',
      'top-level prints ... ok (1ms)',
      ' FAILURES ',
      '',
      'group ... prints and fails => ext:deno_node/testing.ts:1:21231',
      '',
      'FAILED | 1 passed (4 steps) | 1 failed (1 step) | 0 ignored (1 step) (1ms)',
    ].join('\n');
    assert.deepEqual(denoSummary(output), expected);
  });

  it('Node.js and Bun: their summary lines', () => {
    const node = [
      'ℹ tests 6',
      'ℹ suites 2',
      'ℹ pass 4',
      'ℹ fail 1',
      'ℹ cancelled 0',
      'ℹ skipped 1',
    ];
    assert.deepEqual(nodeSummary(node.join('\n')), expected);
    const bun = [' 4 pass', ' 1 skip', ' 1 fail', 'Ran 6 tests across 1 file. [12.00ms]'];
    assert.deepEqual(bunSummary(bun.join('\n')), expected);
  });

  it('no summary line: undefined, whatever the runtime', () => {
    assert.equal(denoSummary('error: Module not found'), undefined);
    assert.equal(nodeSummary('SyntaxError'), undefined);
    assert.equal(bunSummary('SyntaxError'), undefined);
  });
});
