#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js and everything of ours it requires, eagerly or lazily)
// into one file, dist/outrigger.bundle.js, which dist/cli/launcher.js runs with a V8 code cache.
// npm packages stay external (node_modules). Run after tsc: `npm run build`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outfile: join(root, 'dist', 'outrigger.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
