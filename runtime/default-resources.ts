/**
 * Embedded defaults: with no --resources-path the sidecar loads the resources folder of its data
 * directory (like daprd's ~/.dapr/components), first writing a durable state store `statestore`
 * and a pub/sub `pubsub` there if the folder has none. They need no server; users edit or replace
 * these files, or point --resources-path elsewhere.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function defaultResourcesDir(dataDir: string): string {
  return path.join(dataDir, 'resources');
}

function statestoreYaml(dataDir: string): string {
  return `# Written by outrigger on first start: the embedded, durable default state store.
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.sqlite
  version: v1
  metadata:
  - name: connectionString
    value: ${JSON.stringify(path.join(dataDir, 'state.db'))}
  - name: actorStateStore
    value: "true"
`;
}

function pubsubYaml(dataDir: string): string {
  return `# Written by outrigger on first start: the embedded, durable default pub/sub.
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.sqlite
  version: v1
  metadata:
  - name: connectionString
    value: ${JSON.stringify(path.join(dataDir, 'pubsub.db'))}
`;
}

/** Ensures the default resources exist; returns the folder to load. */
export async function ensureDefaultResources(dataDir: string): Promise<string> {
  const dir = defaultResourcesDir(dataDir);
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
  if (existing.length === 0) {
    await writeFile(path.join(dir, 'statestore.yaml'), statestoreYaml(dataDir));
    await writeFile(path.join(dir, 'pubsub.yaml'), pubsubYaml(dataDir));
  }
  return dir;
}
