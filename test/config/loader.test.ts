import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatIssue, loadConfigurationFile, loadResourceFiles } from '../../config';
import { component, tempDir, writeFiles } from './helpers';

const ctx = { appId: 'app1', namespace: 'default', env: {} };

test('loads multi-document files across two folders, in folder then file-name order', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(join(dir, 'a'), {
      'b-state.yaml': `${component('second')}---\n${component('third', '', 'pubsub.in-memory')}`,
      'a-state.yml': component('first'),
      'notes.txt': 'not yaml: [',
    });
    await writeFiles(join(dir, 'b'), {
      'sub.yaml': `apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata: {name: orders}
spec: {pubsubname: pubsub, topic: orders, route: /orders}
---
apiVersion: dapr.io/v1alpha1
kind: HTTPEndpoint
metadata: {name: ext}
spec: {baseUrl: "https://example.com/api"}
---
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: {name: res}
spec: {policies: {timeouts: {general: 5s}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ignored}
`,
    });
    const r = await loadResourceFiles([join(dir, 'a'), join(dir, 'b')], ctx);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.components.map((c) => c.metadata.name), ['first', 'second', 'third']);
    assert.deepEqual(r.components.map((c) => c.source.docIndex), [0, 0, 1]);
    assert.equal(r.components[2]?.source.file, join(dir, 'a', 'b-state.yaml'));
    assert.equal(r.components[2]?.spec.type, 'pubsub.in-memory');
    assert.equal(r.components[0]?.spec.initTimeout, 5000, 'initTimeout defaults to 5s');
    assert.equal(r.subscriptions[0]?.spec.routes.default, '/orders');
    assert.equal(r.httpEndpoints[0]?.spec.baseUrl, 'https://example.com/api');
    assert.equal(r.resiliencies[0]?.spec.policies.timeouts.general, 5000);
  } finally {
    await cleanup();
  }
});

test('scopes and namespace filter resources', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(dir, {
      'c.yaml': [
        component('mine', 'scopes: [app1, app2]'),
        component('other-app', 'scopes: [app2]'),
        component('unscoped', 'scopes: []'),
        component('same-ns').replace('name: same-ns', 'name: same-ns\n  namespace: default'),
        component('other-ns').replace('name: other-ns', 'name: other-ns\n  namespace: prod'),
        // invalid but meant for another app: never reported
        'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: broken}\nspec: {type: 5}\nscopes: [app9]\n',
      ].join('---\n'),
    });
    const r = await loadResourceFiles([dir], ctx);
    assert.deepEqual(r.components.map((c) => c.metadata.name), ['mine', 'unscoped', 'same-ns']);
    assert.deepEqual(r.issues, []);
  } finally {
    await cleanup();
  }
});

test('a bad document is reported with file and field path; the others still load', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const bad = `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: redis}
spec:
  type: state.redis
  metadata:
  - {name: a, value: x}
  - {name: b, value: y}
  - {name: c, secretKeyRef: {name: 42}}
`;
    await writeFiles(dir, { 'redis.yaml': `${component('good1')}---\n${bad}---\n${component('good2')}` });
    const file = join(dir, 'redis.yaml');
    const r = await loadResourceFiles([dir], ctx);
    assert.deepEqual(r.components.map((c) => c.metadata.name), ['good1', 'good2']);
    assert.equal(r.issues.length, 1);
    const issue = r.issues[0]!;
    assert.equal(issue.code, 'INVALID');
    assert.equal(issue.file, file);
    assert.equal(issue.docIndex, 1);
    assert.equal(issue.kind, 'Component');
    assert.equal(issue.name, 'redis');
    assert.equal(issue.path, 'spec.metadata[2].secretKeyRef.name');
    assert.match(formatIssue(issue), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: spec\\.metadata\\[2\\]\\.secretKeyRef\\.name: expected string`));
    assert.equal(issue.line, 18, 'line of the offending node in the file');
  } finally {
    await cleanup();
  }
});

test('wrong apiVersion and non-mapping documents are issues; unknown kinds are not', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(dir, {
      'x.yaml': `${component('v').replace('dapr.io/v1alpha1', 'dapr.io/v9')}---\n- just a list\n---\nkind: Widget\n`,
    });
    const r = await loadResourceFiles([dir], ctx);
    assert.deepEqual(r.issues.map((i) => [i.docIndex, i.path]), [[0, 'apiVersion'], [1, '']]);
    assert.equal(r.components.length, 0);
  } finally {
    await cleanup();
  }
});

test('YAML syntax errors name the file and the line; other files load', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(dir, {
      'broken.yaml': 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: [unclosed\nspec: {}\n',
      'ok.yaml': component('ok'),
    });
    const r = await loadResourceFiles([dir], ctx);
    assert.deepEqual(r.components.map((c) => c.metadata.name), ['ok']);
    assert.equal(r.issues.length, 1);
    const issue = r.issues[0]!;
    assert.equal(issue.code, 'YAML_SYNTAX');
    assert.equal(issue.file, join(dir, 'broken.yaml'));
    assert.equal(typeof issue.line, 'number');
    assert.ok(issue.line! >= 4, `line ${issue.line}`);
    assert.match(formatIssue(issue), new RegExp(`broken\\.yaml: line ${issue.line}, column \\d+: `));
  } finally {
    await cleanup();
  }
});

test('duplicate names of one kind: the later one is reported and skipped', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(dir, { 'a.yaml': component('dup', '', 'state.redis'), 'b.yaml': component('dup', '', 'state.postgresql') });
    const r = await loadResourceFiles([dir], ctx);
    assert.equal(r.components.length, 1);
    assert.equal(r.components[0]?.spec.type, 'state.redis');
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]?.code, 'DUPLICATE');
    assert.equal(r.issues[0]?.file, join(dir, 'b.yaml'));
  } finally {
    await cleanup();
  }
});

test('env substitution: set, default, empty, escape, and missing is an issue naming the field', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(dir, {
      'env.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: "\${NAME}"}
spec:
  type: state.redis
  metadata:
  - {name: host, value: "\${HOST:-localhost}:\${PORT}"}
  - {name: pass, value: "\${EMPTY:-fallback}"}
  - {name: lit, value: "$\${NOT_SUBSTITUTED}"}
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: missing}
spec:
  type: state.redis
  metadata:
  - {name: a, value: ok}
  - {name: b, value: "x-\${UNSET_VAR}"}
`,
    });
    const r = await loadResourceFiles([dir], { ...ctx, env: { NAME: 'cache', PORT: '6380', EMPTY: '' } });
    assert.deepEqual(r.components.map((c) => c.metadata.name), ['cache']);
    assert.deepEqual(r.components[0]?.spec.metadata.map((m) => m.value), ['localhost:6380', 'fallback', '${NOT_SUBSTITUTED}']);
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]?.code, 'ENV_MISSING');
    assert.equal(r.issues[0]?.path, 'spec.metadata[1].value');
    assert.match(r.issues[0]!.message, /UNSET_VAR/);
  } finally {
    await cleanup();
  }
});

test('a missing resources folder is an issue, not an exception', async () => {
  const r = await loadResourceFiles(['/nonexistent/outrigger-config-test'], ctx);
  assert.equal(r.issues[0]?.code, 'READ_ERROR');
  assert.equal(r.issues[0]?.file, '/nonexistent/outrigger-config-test');
});

test('loadConfigurationFile: first Configuration, metric alias, no scope filtering, errors', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFiles(dir, {
      'config.yaml': `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: {name: appconfig, namespace: elsewhere}
spec:
  metric: {enabled: false}
  tracing: {samplingRate: "1", otel: {endpointAddress: "localhost:4317", isSecure: false, protocol: grpc}}
  mtls: {enabled: true, workloadCertTTL: 24h, allowedClockSkew: 15m}
  accessControl: {defaultAction: Deny, policies: [{appId: app2, operations: [{name: /op/*, httpVerb: [GET], action: allow}]}]}
  nameResolution: {component: consul, configuration: {client: {address: "127.0.0.1:8500"}, selfRegister: true}}
  components: {deny: [state.redis/v1]}
  appHttpPipeline: {handlers: [{name: up, type: middleware.http.uppercase}]}
  somethingNew: {ignored: true}
`,
      'bad.yaml': 'apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: c}\nspec: {features: [{name: X, enabled: maybe}]}\n',
    });
    const ok = await loadConfigurationFile(join(dir, 'config.yaml'), ctx);
    assert.deepEqual(ok.issues, []);
    const spec = ok.configuration!.spec;
    assert.equal(spec.metrics?.enabled, false);
    assert.equal(spec.tracing?.samplingRate, '1');
    assert.equal(spec.mtls?.workloadCertTTL, 24 * 3_600_000);
    assert.equal(spec.accessControl?.defaultAction, 'deny');
    assert.equal(spec.accessControl?.policies[0]?.operations[0]?.httpVerb[0], 'GET');
    assert.deepEqual(spec.nameResolution?.configuration, { client: { address: '127.0.0.1:8500' }, selfRegister: true });
    assert.deepEqual(spec.components?.deny, ['state.redis/v1']);
    assert.equal(spec.appHttpPipeline?.handlers[0]?.version, 'v1');

    const bad = await loadConfigurationFile(join(dir, 'bad.yaml'), ctx);
    assert.equal(bad.configuration, undefined);
    assert.equal(bad.issues[0]?.path, 'spec.features[0].enabled');

    const missing = await loadConfigurationFile(join(dir, 'nope.yaml'), ctx);
    assert.equal(missing.configuration, undefined);
    assert.equal(missing.issues[0]?.code, 'READ_ERROR');
  } finally {
    await cleanup();
  }
});
