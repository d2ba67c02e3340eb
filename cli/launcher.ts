#!/usr/bin/env node
/**
 * The `outrigger` executable. Runs the single-file build (dist/outrigger.bundle.js, made by
 * scripts/bundle.mjs) with a V8 code cache, which is what Node 22's module compile cache does for
 * every module: start-up skips parsing and compiling the code it ran last time. Without a bundle
 * (a plain `tsc` build) it runs dist/cli/main.js as before.
 *
 * The cache is written once, a few seconds after start (so it includes the functions start-up
 * compiled lazily), next to the bundle or, where that is read-only, under ~/.outrigger/cache. V8
 * checks a cache against its own version, flags and the source and rejects a stale one; a
 * rejected or unreadable cache only costs the compile it would have saved.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import Module from 'node:module';

const BUNDLE = join(__dirname, '..', 'outrigger.bundle.js');
const WRITE_CACHE_AFTER_MS = 3000;

function cacheFiles(): string[] {
  const name = `outrigger.bundle.${process.version}-${process.arch}.v8cache`;
  return [join(dirname(BUNDLE), name), join(homedir(), '.outrigger', 'cache', name)];
}

function readCache(files: readonly string[]): Buffer | undefined {
  for (const f of files) {
    try {
      return readFileSync(f);
    } catch {
      // next candidate
    }
  }
  return undefined;
}

/** Atomic (temp file + rename), so a concurrent start never reads half a cache. */
function writeCache(files: readonly string[], data: Buffer): void {
  for (const f of files) {
    try {
      mkdirSync(dirname(f), { recursive: true });
      const tmp = `${f}.${process.pid}.tmp`;
      writeFileSync(tmp, data);
      renameSync(tmp, f);
      return;
    } catch {
      // next candidate
    }
  }
}

type Cli = typeof import('./main');

function loadBundle(source: string): Cli {
  const files = cacheFiles();
  const cached = readCache(files);
  // The file is one function expression with the arguments of Node's own CommonJS wrapper.
  const script = new Script(source, { filename: BUNDLE, ...(cached ? { cachedData: cached } : {}) });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  if (!cached || script.cachedDataRejected) {
    setTimeout(() => writeCache(files, script.createCachedData()), WRITE_CACHE_AFTER_MS).unref();
  }
  const bundle = new Module(BUNDLE, module);
  bundle.filename = BUNDLE;
  wrapper.call(bundle.exports, bundle.exports, Module.createRequire(BUNDLE), bundle, BUNDLE, dirname(BUNDLE));
  return bundle.exports as Cli;
}

function loadCli(): Cli {
  let source: string;
  try {
    source = readFileSync(BUNDLE, 'latin1'); // ASCII only (scripts/bundle.mjs): one byte per character
  } catch {
    return require('./main') as Cli;
  }
  return loadBundle(source);
}

loadCli().runAsExecutable();
