import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { componentSchema, resolveComponentMetadata, type ComponentResource } from '../../config';

function comp(metadata: unknown[], secretStore?: string): ComponentResource {
  return componentSchema.parse({
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'c' },
    ...(secretStore ? { auth: { secretStore } } : {}),
    spec: { type: 'state.redis', metadata },
  });
}

const ctx = { appId: 'app1', namespace: 'prod', env: { REDIS_PASS: 's3cret' } };

test('values of every type become strings; envRef reads the environment', async () => {
  const r = await resolveComponentMetadata(
    comp([
      { name: 's', value: 'text' },
      { name: 'n', value: 42 },
      { name: 'f', value: 1.5 },
      { name: 'b', value: true },
      { name: 'nil', value: null },
      { name: 'none' },
      { name: 'obj', value: { a: [1, 'x'] } },
      { name: 'arr', value: ['a', 'b'] },
      { name: 'env', envRef: 'REDIS_PASS' },
      { name: 'unsetEnv', envRef: 'NOT_SET_ANYWHERE' },
      { name: '__proto__', value: 'safe' },
    ]),
    ctx,
  );
  assert.ok(r.ok);
  assert.deepEqual({ ...r.metadata }, {
    s: 'text', n: '42', f: '1.5', b: 'true', nil: '', none: '', obj: '{"a":[1,"x"]}', arr: '["a","b"]', env: 's3cret', unsetEnv: '', ['__proto__']: 'safe',
  });
  assert.equal(Object.getPrototypeOf(r.metadata), Object.prototype);
});

test('templates: {uuid} fresh each time, {appID}, {namespace} as <ns>.<appId>, {podName}', async () => {
  const c = comp([
    { name: 'consumerID', value: '{uuid}' },
    { name: 'other', value: 'x-{uuid}' },
    { name: 'id', value: 'svc-{appID}' },
    { name: 'ns', value: '{namespace}' },
    { name: 'pod', value: '{podName}' },
  ]);
  const a = await resolveComponentMetadata(c, ctx);
  const b = await resolveComponentMetadata(c, { ...ctx, env: { POD_NAME: 'pod-7' } });
  assert.ok(a.ok && b.ok);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(a.metadata.consumerID!, uuid);
  assert.match(a.metadata.other!, /^x-[0-9a-f-]{36}$/);
  assert.notEqual(a.metadata.consumerID, b.metadata.consumerID);
  assert.notEqual(a.metadata.consumerID, a.metadata.other!.slice(2));
  assert.equal(a.metadata.id, 'svc-app1');
  assert.equal(a.metadata.ns, 'prod.app1');
  assert.equal(a.metadata.pod, hostname());
  assert.equal(b.metadata.pod, 'pod-7');
});

test('secretKeyRef goes through the resolver with auth.secretStore; key defaults to name', async () => {
  const calls: string[] = [];
  const resolveSecret = async (store: string, name: string, key: string): Promise<string | undefined> => {
    calls.push(`${store}/${name}/${key}`);
    return name === 'absent' ? undefined : `${name}:${key}`;
  };
  const r = await resolveComponentMetadata(
    comp([{ name: 'password', secretKeyRef: { name: 'redis', key: 'pw' } }, { name: 'token', secretKeyRef: { name: 'tok' } }], 'vault'),
    { ...ctx, resolveSecret },
  );
  assert.ok(r.ok);
  assert.deepEqual({ ...r.metadata }, { password: 'redis:pw', token: 'tok:tok' });
  assert.deepEqual(calls, ['vault/redis/pw', 'vault/tok/tok']);

  const missingSecret = await resolveComponentMetadata(comp([{ name: 'a', value: 1 }, { name: 'p', secretKeyRef: { name: 'absent' } }], 'vault'), { ...ctx, resolveSecret });
  assert.ok(!missingSecret.ok);
  assert.equal(missingSecret.issue.path, 'spec.metadata[1].secretKeyRef');
  assert.match(missingSecret.issue.message, /absent.*not found.*vault/);

  const failing = await resolveComponentMetadata(comp([{ name: 'p', secretKeyRef: { name: 'x' } }], 'vault'), {
    ...ctx,
    resolveSecret: async () => {
      throw new Error('store offline');
    },
  });
  assert.ok(!failing.ok);
  assert.match(failing.issue.message, /store offline/);
});

test('secretKeyRef without a store or without a resolver is an issue', async () => {
  const noStore = await resolveComponentMetadata(comp([{ name: 'p', secretKeyRef: { name: 's' } }]), { ...ctx, resolveSecret: async () => 'x' });
  assert.ok(!noStore.ok);
  assert.equal(noStore.issue.code, 'METADATA');
  assert.equal(noStore.issue.name, 'c');
  assert.match(noStore.issue.message, /no auth\.secretStore/);
  const noResolver = await resolveComponentMetadata(comp([{ name: 'p', secretKeyRef: { name: 's' } }], 'vault'), ctx);
  assert.ok(!noResolver.ok);
  assert.match(noResolver.issue.message, /no secret store is available/);
});
