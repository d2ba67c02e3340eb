import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestSidecar, uniqueAppId, resourcesWith, tempDir } from '../helpers/sidecar';
import { startSidecar } from '../../runtime/sidecar';
import { sidecarOptions } from '../helpers/sidecar';
import { createLogger } from '../../observability/logger';

const memoryStore = (name: string) => `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: state.in-memory
  version: v1
`;

interface Metadata { components?: Array<{ name: string; type: string; capabilities: string[] }>; failedComponents?: Array<{ name: string; error: string }> }

test('a bad document is reported with file and field and skipped; the rest is served', async () => {
  const lines: string[] = [];
  const dir = resourcesWith({
    'good.yaml': memoryStore('good-store') + '---\n' + memoryStore('second-store'),
    'broken.yaml': 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\nspec:\n  type: 42\n',
    'syntax.yaml': 'kind: Component\nmetadata: [unclosed\n',
  });
  const sc = await startSidecar(sidecarOptions({ appId: uniqueAppId('res'), resourcesPaths: [dir] }), createLogger({ level: 'info', json: false, sink: (l) => lines.push(l) }));
  try {
    const md = (await (await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`)).body.json()) as Metadata;
    assert.deepEqual(md.components?.map((c) => c.name).sort(), ['good-store', 'second-store']);
    const log = lines.join('\n');
    assert.match(log, /broken\.yaml: spec\.type/);
    assert.match(log, /syntax\.yaml/);
  } finally {
    await sc.stop('done');
  }
});

test('resources scoped to other app ids are not loaded', async () => {
  const id = uniqueAppId('scoped');
  const dir = resourcesWith({
    'mine.yaml': memoryStore('mine') + `scopes: [${id}]\n`,
    'theirs.yaml': memoryStore('theirs') + 'scopes: [someone-else]\n',
  });
  const sc = await startTestSidecar({ appId: id, resourcesPaths: [dir] });
  try {
    const md = (await (await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`)).body.json()) as Metadata;
    assert.deepEqual(md.components?.map((c) => c.name), ['mine']);
  } finally {
    await sc.stop('done');
  }
});

test('a component that fails to initialise is reported by healthz and metadata with why', async () => {
  const dir = resourcesWith({
    'ok.yaml': memoryStore('fine'),
    'bad.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: nosuch
spec:
  type: state.does-not-exist
  version: v1
`,
  });
  const sc = await startTestSidecar({ appId: uniqueAppId('fail'), resourcesPaths: [dir] });
  try {
    const h = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/healthz`);
    const body = (await h.body.json()) as { errorCode: string; message: string };
    assert.equal(h.statusCode, 500);
    assert.equal(body.errorCode, 'ERR_HEALTH_NOT_READY');
    assert.match(body.message, /nosuch: unknown component type state\.does-not-exist/);
    const md = (await (await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`)).body.json()) as Metadata;
    assert.deepEqual(md.components?.map((c) => c.name), ['fine']);
    assert.equal(md.failedComponents?.[0]?.name, 'nosuch');
  } finally {
    await sc.stop('done');
  }
});

test('embedded defaults: with no resources path a durable statestore and a pubsub are loaded from the data dir', async () => {
  const dataDir = tempDir('outrigger-defaults-');
  const sc = await startSidecar(sidecarOptions({ appId: uniqueAppId('defaults'), dataDir, resourcesPaths: [] }), createLogger({ level: 'error', json: false }));
  try {
    const md = (await (await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`)).body.json()) as Metadata;
    const names = md.components?.map((c) => `${c.name}:${c.type}`).sort();
    assert.deepEqual(names, ['pubsub:pubsub.sqlite', 'statestore:state.sqlite']);
    const h = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/healthz`);
    assert.equal(h.statusCode, 204);
    await h.body.dump();
  } finally {
    await sc.stop('done');
  }
  // The files are the user's to edit: a second start keeps an edited file.
  writeFileSync(path.join(dataDir, 'resources', 'pubsub.yaml'), memoryStore('edited-store'));
  const again = await startSidecar(sidecarOptions({ appId: uniqueAppId('defaults2'), dataDir, resourcesPaths: [] }), createLogger({ level: 'error', json: false }));
  try {
    const md = (await (await request(`http://127.0.0.1:${again.httpPort}/v1.0/metadata`)).body.json()) as Metadata;
    assert.deepEqual(md.components?.map((c) => c.name).sort(), ['edited-store', 'statestore']);
  } finally {
    await again.stop('done');
  }
});

test('hot reload: an added component appears, an edited one changes, a broken edit keeps the old one', async () => {
  const dir = resourcesWith({ 'a.yaml': memoryStore('first') });
  const sc = await startTestSidecar({ appId: uniqueAppId('reload'), resourcesPaths: [dir] });
  const names = async (): Promise<string[]> => {
    const md = (await (await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`)).body.json()) as Metadata;
    return (md.components ?? []).map((c) => `${c.name}:${c.type}`).sort();
  };
  const eventually = async (want: string[]): Promise<void> => {
    let got: string[] = [];
    for (let i = 0; i < 100; i++) {
      got = await names();
      if (JSON.stringify(got) === JSON.stringify(want)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(got, want);
  };
  try {
    await eventually(['first:state.in-memory']);
    writeFileSync(path.join(dir, 'b.yaml'), memoryStore('second'));
    await eventually(['first:state.in-memory', 'second:state.in-memory']);
    writeFileSync(path.join(dir, 'b.yaml'), memoryStore('second').replace('state.in-memory', 'pubsub.in-memory'));
    await eventually(['first:state.in-memory', 'second:pubsub.in-memory']);
    writeFileSync(path.join(dir, 'b.yaml'), 'kind: Component\nmetadata: [broken\n');
    await new Promise((r) => setTimeout(r, 600));
    await eventually(['first:state.in-memory', 'second:pubsub.in-memory']);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(path.join(dir, 'b.yaml'));
    await eventually(['first:state.in-memory']);
  } finally {
    await sc.stop('done');
  }
});
