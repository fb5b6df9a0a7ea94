import { basename } from 'node:path';
import { defineConfig, type Rolldown } from 'tsdown';

// One entry per public subpath of package.json `exports` (src/internal/ is never an entry).
// Entries share chunks, so the core's classes exist once per format (instanceof works across
// subpaths). Declarations are bundled per entry: .d.ts for ESM, .d.cts for CommonJS.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'contrib/net/index': 'src/contrib/net/index.ts',
    'contrib/pg/index': 'src/contrib/pg/index.ts',
    'contrib/otel/index': 'src/contrib/otel/index.ts',
  },
  format: ['esm', 'cjs'],
  target: 'es2022',
  // The core is runtime-neutral; only contrib/* may import Node.js built-ins and their optional peer
  // dependencies (pg, @opentelemetry/api), left as imports.
  platform: 'neutral',
  deps: { neverBundle: [/^node:/, 'pg', /^@opentelemetry\//] },
  dts: true,
  clean: true,
  plugins: [denoSelfTypes()],
});

/**
 * Deno types a JavaScript module by its `@ts-self-types` header, and resolves a `.d.ts` file's
 * import of `./x.js` to x.js itself, not x.d.ts. So every ESM declaration file gets a JavaScript
 * module of its name that points back to it: each entry's .js file gets the header, and a
 * declaration chunk with no JavaScript of its own (types shared by entries) gets a stub of one
 * line. Then importing dist/index.js (or a subpath's index.js) directly is typed in Deno, not only
 * through `npm:`. TypeScript and Node.js are unaffected: they read x.d.ts before x.js.
 */
function denoSelfTypes(): Rolldown.Plugin {
  return {
    name: 'deno-self-types',
    generateBundle(options, bundle) {
      if (options.format !== 'es') return;
      for (const file of Object.values(bundle)) {
        if (!file.fileName.endsWith('.d.ts')) continue;
        const js = file.fileName.replace(/\.d\.ts$/, '.js');
        const header = `/* @ts-self-types="./${basename(file.fileName)}" */\n`;
        const module = bundle[js];
        if (module?.type === 'chunk') module.code = header + module.code;
        else this.emitFile({ type: 'asset', fileName: js, source: `${header}export {};\n` });
      }
    },
  };
}
