/** The runtime version reported by the metadata API, read once from package.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'outrigger' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return 'edge';
}

export const RUNTIME_VERSION = readVersion();
