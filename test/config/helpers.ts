/** Shared helpers for config tests: temp folders and waiting for events with a timeout. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { componentYaml } from '../helpers/resource-yaml';

export async function tempDir(prefix = 'outrigger-config-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

/** Resolves with the first `event` whose payload satisfies `match`; rejects after `timeoutMs`. */
export function waitForEvent<T>(emitter: EventEmitter, event: string, match: (v: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (v: T): void => {
      if (!match(v)) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(v);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    emitter.on(event, onEvent);
  });
}

/** A Component of `type` with no metadata, then `extra` (top-level YAML such as `scopes: [...]`). */
export function component(name: string, extra = '', type = 'state.in-memory'): string {
  return `${componentYaml(name, type)}${extra ? `${extra}\n` : ''}`;
}
