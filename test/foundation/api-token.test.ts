import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startEchoApp, startTestSidecar, uniqueAppId, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';

let app: TestApp;
let sidecar: SidecarHandle;
let appId: string;
let base: string;
const token = 'tok-' + Math.random().toString(36).slice(2);

before(async () => {
  app = await startEchoApp();
  appId = uniqueAppId('token');
  sidecar = await startTestSidecar({ appId, appPort: app.port, apiToken: token });
  base = `http://127.0.0.1:${sidecar.httpPort}`;
});
after(async () => {
  await sidecar.stop('done');
  await app.close();
});

test('calls without the token get 401 with a plain-text body', async () => {
  for (const path of ['/v1.0/metadata', `/v1.0/invoke/${appId}/method/x`, '/v1.0/unknown']) {
    const res = await request(base + path);
    assert.equal(res.statusCode, 401, path);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.equal(await res.body.text(), 'invalid api token');
  }
});

test('a wrong token is refused and nothing reaches the app', async () => {
  const before = app.requests.length;
  const res = await request(`${base}/v1.0/invoke/${appId}/method/x`, { headers: { 'dapr-api-token': token + 'x' } });
  assert.equal(res.statusCode, 401);
  await res.body.dump();
  assert.equal(app.requests.length, before);
});

test('the exact healthz paths are exempt; /healthz elsewhere in the URL is not', async () => {
  const h = await request(`${base}/v1.0/healthz`);
  assert.equal(h.statusCode, 204);
  await h.body.dump();
  const o = await request(`${base}/v1.0/healthz/outbound`);
  assert.equal(o.statusCode, 204);
  await o.body.dump();
  for (const path of [`/v1.0/invoke/${appId}/method/healthz`, '/v1.0/healthz/../metadata', '/v1.0/metadata/healthz', '/healthz']) {
    const res = await request(base + path, { headers: { 'dapr-app-id': appId } });
    assert.equal(res.statusCode, 401, path);
    await res.body.dump();
  }
});

test('with the token the call passes and the token is stripped before forwarding', async () => {
  const res = await request(`${base}/v1.0/invoke/${appId}/method/secret-check`, { headers: { 'dapr-api-token': token } });
  assert.equal(res.statusCode, 200);
  const e = (await res.body.json()) as { headers: Record<string, string> };
  assert.equal(e.headers['dapr-api-token'], undefined);
});
