/**
 * Where the browser tests find Chromium: Debian's `chromium` package, or CHROMIUM_PATH. No test
 * tool downloads a browser of its own.
 */
import { existsSync } from 'node:fs';

/** The Chromium binary test/browser/run.ts launches. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, saying what to install; undefined when they can. */
export function missingChromium(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  return (
    `the chromium runtime needs Chromium at ${chromiumPath}, which is missing. Install it ` +
    '(Debian/Ubuntu, as root: `apt-get update && apt-get install -y chromium`), set CHROMIUM_PATH ' +
    'to a Chromium or Chrome binary, or leave the runtime out: `npm test -- --runtime node20,node24,bun,deno`'
  );
}
