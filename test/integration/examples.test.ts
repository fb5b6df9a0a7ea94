// The examples run as a user would run them (`node --import tsx examples/X.ts`): each exits 0 and
// prints what its comments promise. To add one, add a row to `examples`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExample } from './helpers/run-example.ts';

interface Example {
  readonly file: string;
  /** Lines the output must contain, in this order (other lines may come between). */
  readonly lines: readonly RegExp[];
}

const examples: readonly Example[] = [
  {
    file: 'examples/quickstart.ts',
    lines: [/^echo: hello$/, /^1 1$/],
  },
  {
    file: 'examples/tls-quickstart.ts',
    lines: [
      /^requests: 60 sent, 60 ok$/,
      /^connections: (\d+) created, \d+ acquires reused one$/,
      /^ {2}pool\.size 8$/, // after the burst: totalMaxSize reached
      /^after idleTimeout \(2 s\):$/,
      /^ {2}localhost:\d+ {2}connections 1, idle 1$/, // the persistent one stays
      /^ {2}pool\.size 3$/,
      /^closed: disposals by reason: .*closed 3; pool\.size 0$/,
    ],
  },
  {
    file: 'examples/custom-manager.ts',
    lines: [/^echo: GET \/$/, /^idle sockets: 1$/],
  },
];

describe('examples', () => {
  for (const example of examples) {
    it(`${example.file} runs, exits 0 and prints its report`, { timeout: 60_000 }, async () => {
      const { code, stdout, stderr } = await runExample(example.file);
      assert.equal(code, 0, `exit code ${code}\n${stdout}\n${stderr}`);
      assert.equal(stderr, '');
      const lines = stdout.split('\n');
      let at = 0;
      for (const pattern of example.lines) {
        const found = lines.findIndex((line, i) => i >= at && pattern.test(line));
        assert.ok(found !== -1, `no line matching ${pattern} after line ${at} in:\n${stdout}`);
        at = found + 1;
      }
    });
  }
});
