import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DaprClient, HttpMethod } from '@dapr/dapr';
import { startEchoApp, startTestSidecar, uniqueAppId, resourcesWith, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { sdkClient, SDK_PROTOCOLS } from '../helpers/dapr-sdk';
import { componentYaml } from '../helpers/resource-yaml';

let app: TestApp;
let sidecar: SidecarHandle;
let appId: string;
const token = 'sdk-token';

before(async () => {
  app = await startEchoApp();
  appId = uniqueAppId('sdk');
  const dir = resourcesWith({
    'store.yaml': componentYaml('kv', 'state.in-memory'),
  });
  sidecar = await startTestSidecar({ appId, appPort: app.port, resourcesPaths: [dir], apiToken: token });
});
after(async () => {
  await sidecar.stop('done');
  await app.close();
});

for (const { protocol, name } of SDK_PROTOCOLS) {
  const client = (): DaprClient => sdkClient(sidecar, protocol, token);

  test(`@dapr/dapr ${name}: invoker.invoke reaches the app with verb, path and body`, async () => {
    const c = client();
    try {
      const result = (await c.invoker.invoke(appId, 'orders/create', HttpMethod.POST, { id: 7, name: 'widget' })) as { method: string; url: string; body: string; headers: Record<string, string> };
      assert.equal(result.method, 'POST');
      assert.equal(result.url, '/orders/create');
      assert.deepEqual(JSON.parse(result.body), { id: 7, name: 'widget' });
      assert.equal(result.headers['dapr-api-token'], undefined);
    } finally {
      await c.stop();
    }
  });

  test(`@dapr/dapr ${name}: metadata.get lists id, runtime version, components and app connection`, async () => {
    const c = client();
    try {
      const md = await c.metadata.get();
      assert.equal(md.id, appId);
      const comps = md.components.map((x) => ({ name: x.name, type: x.type }));
      assert.deepEqual(comps, [{ name: 'kv', type: 'state.in-memory' }]);
      assert.ok(md.extended.daprRuntimeVersion);
    } finally {
      await c.stop();
    }
  });

  test(`@dapr/dapr ${name}: metadata.set then get returns the extended attribute`, async () => {
    const c = client();
    try {
      await c.metadata.set(`k-${name}`, `v-${name}`);
      const md = await c.metadata.get();
      assert.equal(md.extended[`k-${name}`], `v-${name}`);
    } finally {
      await c.stop();
    }
  });
}
