import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResourceWatcher, type ResourceChange, type ResourceWatcherIssue } from '../../config';
import { silentLogger } from '../../observability/logger';
import { component, tempDir, waitForEvent, writeFiles } from './helpers';

/** Resources live in <tmp>/resources; an optional --config file in <tmp>/<configFile>. */
async function withWatcher(
  files: Record<string, string>,
  fn: (w: ResourceWatcher, dir: string, root: string) => Promise<void>,
  config?: { name: string; text: string },
): Promise<void> {
  const { dir: root, cleanup } = await tempDir('outrigger-watch-');
  const dir = join(root, 'resources');
  await writeFiles(dir, files);
  if (config) await writeFiles(root, { [config.name]: config.text });
  const w = new ResourceWatcher({ paths: [dir], configFile: config ? join(root, config.name) : undefined, appId: 'app1', namespace: 'default', env: {}, logger: silentLogger, debounceMs: 50 });
  try {
    await fn(w, dir, root);
  } finally {
    await w.close();
    await cleanup();
  }
}

const isKind = (kind: string) => (c: ResourceChange) => c.kind === kind;

test('edit: an updated component is reported as updated with the new content', async () => {
  await withWatcher({ 'a.yaml': component('store', '', 'state.redis') + '---\n' + component('keep') }, async (w, dir) => {
    const initial = await w.start();
    assert.deepEqual(initial.components.map((c) => c.spec.type), ['state.redis', 'state.in-memory']);
    const changed = waitForEvent<ResourceChange>(w, 'change', isKind('Component'));
    await writeFile(join(dir, 'a.yaml'), component('store', '', 'state.postgresql') + '---\n' + component('keep'));
    const change = await changed;
    assert.deepEqual(change.added, []);
    assert.deepEqual(change.removed, []);
    assert.deepEqual(change.updated.map((c) => c.metadata.name), ['store']);
    assert.equal(change.updated[0]?.kind === 'Component' && change.updated[0].spec.type, 'state.postgresql');
    assert.equal(w.current().components.find((c) => c.metadata.name === 'store')?.spec.type, 'state.postgresql');
  });
});

test('add and delete files: resources are added and removed', async () => {
  await withWatcher({ 'a.yaml': component('first') }, async (w, dir) => {
    await w.start();
    const added = waitForEvent<ResourceChange>(w, 'change', isKind('Subscription'));
    await writeFile(join(dir, 'sub.yml'), 'apiVersion: dapr.io/v1alpha1\nkind: Subscription\nmetadata: {name: s}\nspec: {pubsubname: p, topic: t, route: /t}\n');
    const a = await added;
    assert.deepEqual(a.added.map((s) => s.metadata.name), ['s']);
    assert.equal(w.current().subscriptions.length, 1);

    const removed = waitForEvent<ResourceChange>(w, 'change', isKind('Component'));
    await rm(join(dir, 'a.yaml'));
    const r = await removed;
    assert.deepEqual(r.removed.map((c) => c.metadata.name), ['first']);
    assert.deepEqual(w.current().components, []);
  });
});

test('a broken edit (YAML syntax) keeps the old resources and emits an issue; a fix applies', async () => {
  await withWatcher({ 'a.yaml': component('store', '', 'state.redis') }, async (w, dir) => {
    await w.start();
    const changes: ResourceChange[] = [];
    w.on('change', (c) => changes.push(c));
    const issue = waitForEvent<ResourceWatcherIssue>(w, 'issue');
    await writeFile(join(dir, 'a.yaml'), 'kind: Component\nmetadata: {name: [oops\n');
    const i = await issue;
    assert.equal(i.code, 'YAML_SYNTAX');
    assert.equal(i.file, join(dir, 'a.yaml'));
    assert.equal(i.keptPrevious, true);
    assert.match(i.message, /previously loaded version is kept/);
    assert.equal(w.current().components[0]?.spec.type, 'state.redis');

    const fixed = waitForEvent<ResourceChange>(w, 'change', isKind('Component'));
    await writeFile(join(dir, 'a.yaml'), component('store', '', 'state.sqlite'));
    const f = await fixed;
    assert.deepEqual(f.updated.map((c) => c.kind === 'Component' && c.spec.type), ['state.sqlite']);
    assert.deepEqual(changes.map((c) => c.kind), ['Component'], 'the broken edit caused no change event');
  });
});

test('an invalid document on reload keeps that resource; valid siblings still apply', async () => {
  await withWatcher({ 'a.yaml': component('one', '', 'state.redis') + '---\n' + component('two', '', 'state.redis') }, async (w, dir) => {
    await w.start();
    const issue = waitForEvent<ResourceWatcherIssue>(w, 'issue');
    const change = waitForEvent<ResourceChange>(w, 'change', isKind('Component'));
    const broken = component('one', '', 'state.redis').replace('version: v1', 'version: v1\n  initTimeout: soon');
    await writeFile(join(dir, 'a.yaml'), broken + '---\n' + component('two', '', 'state.mongodb'));
    const [i, c] = await Promise.all([issue, change]);
    assert.equal(i.path, 'spec.initTimeout');
    assert.equal(i.name, 'one');
    assert.equal(i.keptPrevious, true);
    assert.deepEqual(c.updated.map((r) => r.metadata.name), ['two']);
    assert.deepEqual(w.current().components.map((r) => r.kind === 'Component' && `${r.metadata.name}=${r.spec.type}`), ['one=state.redis', 'two=state.mongodb']);
  });
});

test('the --config file is watched, including atomic replace by rename', async () => {
  const cfg = (rate: string): string => `apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: appconfig}\nspec: {tracing: {samplingRate: "${rate}"}}\n`;
  await withWatcher({ 'a.yaml': component('store') }, async (w, _dir, root) => {
    const initial = await w.start();
    assert.deepEqual(initial.issues, []);
    assert.equal(initial.configurations[0]?.spec.tracing?.samplingRate, '1');
    const changed = waitForEvent<ResourceChange>(w, 'change', isKind('Configuration'));
    await writeFile(join(root, 'config.yaml.tmp'), cfg('0.5'));
    await rename(join(root, 'config.yaml.tmp'), join(root, 'config.yaml'));
    const c = await changed;
    assert.equal(c.updated[0]?.kind === 'Configuration' && c.updated[0].spec.tracing?.samplingRate, '0.5');
    assert.equal(w.current().configurations.length, 1);
  }, { name: 'config.yaml', text: cfg('1') });
});
