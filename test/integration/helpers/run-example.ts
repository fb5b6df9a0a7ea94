/** Runs an example as a user would (`node --import tsx examples/X.ts`) and collects its output. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * Runs `file` (relative to the repository root, or absolute) with tsx, or with plain Node.js when
 * `tsx` is false; resolves with its exit code and output (code `null` when it was killed, after
 * `killAfterMs` if given).
 */
export async function runExample(
  file: string,
  { tsx = true, killAfterMs }: { tsx?: boolean; killAfterMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, tsx ? ['--import', 'tsx', file] : [file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(killAfterMs === undefined ? {} : { timeout: killAfterMs }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  // 'close', not 'exit': at 'exit' the output may not all be read yet.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
