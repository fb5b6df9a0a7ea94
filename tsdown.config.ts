import { defineConfig } from 'tsdown';

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
});
