#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js and everything of ours it requires, eagerly or lazily)
// into one file, dist/outrigger.bundle.js, which dist/cli/launcher.js runs with a V8 code cache.
// npm packages stay external (node_modules). Run after tsc: `npm run build`.
//
// The file holds one CommonJS wrapper function expression (the launcher compiles it as is, so the
// process keeps a single copy of the source), ASCII only (one byte per character in V8's heap).
import { build } from 'esbuild';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'outrigger.bundle.js');
const result = await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  charset: 'ascii',
  sourcemap: true,
  write: false,
  logLevel: 'warning',
});
const WRAPPER_OPEN = '(function (exports, require, module, __filename, __dirname) {';
for (const f of result.outputFiles) {
  if (f.path !== outfile) {
    await writeFile(f.path, f.contents);
    continue;
  }
  // The wrapper opens on the first line (in place of main.ts's shebang line when there is one),
  // so every line keeps its number and the source map stays true.
  const lines = f.text.split('\n');
  if (lines[0].startsWith('#!')) lines[0] = WRAPPER_OPEN;
  else lines.unshift(WRAPPER_OPEN);
  await writeFile(outfile, `${lines.join('\n')}\n})`);
}
