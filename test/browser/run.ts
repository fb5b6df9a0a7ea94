// Runs test files in headless Chromium: `tsx test/browser/run.ts FILE...` (scripts/test.ts runs it
// as the runtime `chromium`). Each file is bundled with esbuild for the browser, with node:test
// and node:assert/strict replaced by node-test.ts and node-assert.ts beside this file (any other
// node: import fails the file), served from 127.0.0.1 and run in a page of its own. Prints a line
// per test and, last, node --test's summary lines (`ℹ pass N`, `ℹ fail N`), which
// scripts/test.ts reads. Exits non-zero when a test, a page or a bundle fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { chromium } from 'playwright-core';
import { deferred } from '../../src/testing/index.ts';
import { chromiumPath, missingChromium } from './chromium.ts';
import type { Result } from './node-test.ts';

/** A file whose page has not ended by then has failed (the tests run on fake clocks: seconds). */
const fileTimeoutMs = 120_000;
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const here = import.meta.dirname;
const files = process.argv.slice(2);
const missing = missingChromium();
if (missing) {
  console.error(`test/browser/run.ts: ${missing}`);
  process.exit(2);
}

/** node:test and node:assert/strict become the shims; any other built-in fails the bundle. */
const shims: Plugin = {
  name: 'node-shims',
  setup(plugin) {
    const shim: Record<string, string> = {
      'node:test': join(here, 'node-test.ts'),
      'node:assert/strict': join(here, 'node-assert.ts'),
    };
    plugin.onResolve({ filter: /^node:/ }, ({ path }) =>
      shim[path] === undefined
        ? { errors: [{ text: `${path} is not available in the browser` }] }
        : { path: shim[path] },
    );
    // @sinonjs/fake-timers requires util only when there is a process global, which a page has not.
    plugin.onResolve({ filter: /^util$/ }, () => ({ path: 'util', namespace: 'empty' }));
    plugin.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '' }));
    plugin.onResolve({ filter: /^entry:/ }, ({ path }) => ({ path, namespace: 'entry' }));
    plugin.onLoad({ filter: /.*/, namespace: 'entry' }, ({ path }) => ({
      contents: `import ${JSON.stringify(resolve(path.slice('entry:'.length)))};\nimport ${JSON.stringify(join(here, 'page.ts'))};`,
      resolveDir: process.cwd(),
      loader: 'ts',
    }));
  },
};

/** The page script of `file`, or the bundler's errors. */
async function bundle(file: string): Promise<{ code: string } | { error: string }> {
  try {
    const { outputFiles } = await build({
      entryPoints: [`entry:${file}`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'esnext',
      // The package says "sideEffects": false, true of src/ but not of the test files.
      ignoreAnnotations: true,
      logLevel: 'silent',
      plugins: [shims],
    });
    return { code: outputFiles[0]?.text ?? '' };
  } catch (error) {
    return { error: `cannot bundle ${file} for the browser: ${(error as Error).message}` };
  }
}

const counts = { pass: 0, fail: 0 };
const fail = (text: string) => {
  counts.fail++;
  console.log(`  ✖ ${text.replaceAll('\n', '\n    ')}`);
};

/** What the server serves: /N, a page that loads /N.js, the bundle of the Nth file. */
const served = new Map<string, { type: string; body: string }>();
const server = createServer((request, response) => {
  const file = served.get(request.url ?? '');
  if (file === undefined) response.writeHead(404).end();
  else response.writeHead(200, { 'content-type': file.type }).end(file.body);
});
await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const userDataDir = mkdtempSync(join(tmpdir(), 'gcp-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: chromiumPath,
  headless: true,
  args: flags,
});
const started = performance.now();
try {
  for (const [index, file] of files.entries()) {
    console.log(`▶ ${file}`);
    const bundled = await bundle(file);
    if ('error' in bundled) {
      fail(bundled.error);
      continue;
    }
    const html = `<!doctype html><link rel="icon" href="data:,"><title>${file}</title><script type="module" src="/${index}.js"></script>`;
    served.set(`/${index}`, { type: 'text/html', body: html });
    served.set(`/${index}.js`, { type: 'text/javascript', body: bundled.code });
    const page = await context.newPage();
    const done = deferred();
    // An error outside the tests (the module failed to load, a timer threw): the file has failed.
    page.on('pageerror', (error) => {
      fail(`page error: ${error.stack ?? error.message}`);
      done.resolve();
    });
    page.on('console', (message) => console.log(`  # ${message.text()}`));
    await page.exposeFunction('reportResult', ({ path, ok, ms, error }: Result) => {
      const line = `${path.join(' > ')} (${ms.toFixed(1)}ms)`;
      if (!ok) fail(`${line}\n${error}`);
      else {
        counts.pass++;
        console.log(`  ✔ ${line}`);
      }
    });
    await page.exposeFunction('reportError', fail);
    await page.exposeFunction('reportDone', () => done.resolve());
    await page.goto(`${origin}/${index}`);
    const timer = setTimeout(
      () => done.reject(new Error(`timed out after ${fileTimeoutMs} ms`)),
      fileTimeoutMs,
    );
    await done.promise.catch((error: Error) => fail(`${file}: ${error.message}`));
    clearTimeout(timer);
    await page.close();
    served.clear();
  }
} finally {
  await context.close();
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

const ms = performance.now() - started;
console.log(`ℹ tests ${counts.pass + counts.fail}`);
console.log(`ℹ pass ${counts.pass}`);
console.log(`ℹ fail ${counts.fail}`);
console.log(`ℹ duration_ms ${ms.toFixed(0)}`);
process.exitCode = counts.fail > 0 || counts.pass === 0 ? 1 : 0;
