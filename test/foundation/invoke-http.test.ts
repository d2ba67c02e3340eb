import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { rawRequest, startApp, startEchoApp, startTestSidecar, uniqueAppId, resourcesWith, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';

let app: TestApp;
let sidecar: SidecarHandle;
let appId: string;
let base: string;

before(async () => {
  app = await startEchoApp();
  appId = uniqueAppId('invoke');
  sidecar = await startTestSidecar({ appId, appPort: app.port });
  base = `http://127.0.0.1:${sidecar.httpPort}`;
});
after(async () => {
  await sidecar.stop('test done');
  await app.close();
});

async function echo(path: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(base + path, init);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as { method: string; url: string; headers: Record<string, string>; body: string } };
}

test('form 1: /v1.0/invoke/{id}/method/{path} keeps verb, path, query, body and headers', async () => {
  const r = await echo(`/v1.0/invoke/${appId}/method/orders/42?expand=items&x=%2F`, {
    method: 'PUT', body: '{"qty":3}', headers: { 'content-type': 'application/json', 'x-custom': 'v1' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-echo'], 'yes');
  const e = r.json();
  assert.equal(e.method, 'PUT');
  assert.equal(e.url, '/orders/42?expand=items&x=%2F');
  assert.equal(e.body, '{"qty":3}');
  assert.equal(e.headers['content-type'], 'application/json');
  assert.equal(e.headers['x-custom'], 'v1');
  assert.equal(e.headers['dapr-caller-app-id'], appId);
  assert.equal(e.headers['dapr-callee-app-id'], appId);
});

test('form 2: dapr-app-id header on any path; the header does not reach the app', async () => {
  const r = await echo('/inventory/7?q=1', { method: 'POST', body: 'hi', headers: { 'dapr-app-id': appId } });
  assert.equal(r.status, 200);
  const e = r.json();
  assert.equal(e.url, '/inventory/7?q=1');
  assert.equal(e.body, 'hi');
  assert.equal(e.headers['dapr-app-id'], undefined);
});

test('form 3: Basic auth dapr-app-id:<id>', async () => {
  const auth = 'Basic ' + Buffer.from(`dapr-app-id:${appId}`).toString('base64');
  const r = await echo('/basic/path', { headers: { authorization: auth } });
  assert.equal(r.status, 200);
  assert.equal(r.json().url, '/basic/path');
});

test('upstream status codes and headers are relayed', async () => {
  const other = await startApp((_req, res) => {
    res.writeHead(418, { 'x-teapot': 'short', 'content-type': 'text/plain' });
    res.end('I am a teapot');
  });
  const id = uniqueAppId('teapot');
  const sc = await startTestSidecar({ appId: id, appPort: other.port });
  try {
    const res = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/invoke/${id}/method/brew`);
    assert.equal(res.statusCode, 418);
    assert.equal(res.headers['x-teapot'], 'short');
    assert.equal(await res.body.text(), 'I am a teapot');
  } finally {
    await sc.stop('done');
    await other.close();
  }
});

test('hop-by-hop headers and those named in Connection are not forwarded', async () => {
  const r = await rawRequest(sidecar.httpPort, {
    path: `/v1.0/invoke/${appId}/method/hop`,
    headers: { connection: 'keep-alive, x-drop-me', 'x-drop-me': 'secret', 'keep-alive': 'timeout=5', te: 'trailers', 'x-keep': 'ok', 'proxy-authorization': 'Basic Zm9vOmJhcg==' },
  });
  assert.equal(r.status, 200);
  const e = JSON.parse(r.text) as { headers: Record<string, string> };
  assert.equal(e.headers['proxy-authorization'], undefined);
  assert.equal(e.headers['x-drop-me'], undefined);
  assert.equal(e.headers['keep-alive'], undefined);
  assert.equal(e.headers.te, undefined);
  assert.equal(e.headers['x-keep'], 'ok');
  assert.ok(e.headers['x-forwarded-for']);
  assert.match(e.headers.forwarded ?? '', /by=/);
});

test('the method path is normalised once: dot segments resolved, escapes canonical', async () => {
  const r = await echo(`/v1.0/invoke/${appId}/method/a/b/../c/%2e%2e/d`);
  assert.equal(r.json().url, '/a/d');
  const r2 = await echo(`/v1.0/invoke/${appId}/method/x%2F..%2Fadmin`);
  assert.equal(r2.json().url, '/admin');
  const r3 = await echo(`/v1.0/invoke/${appId}/method/q%3Fnot-a-query`);
  assert.equal(r3.json().url, '/q%3Fnot-a-query');
});

test('a path escaping the root or with a bare % is rejected with ERR_MALFORMED_REQUEST', async () => {
  for (const p of ['../../etc/passwd', 'a/%2e%2e/%2e%2e/x', '100%', 'a/..%2F..%2Fsecret']) {
    const r = await rawRequest(sidecar.httpPort, { path: `/v1.0/invoke/${appId}/method/${p}` });
    assert.equal(r.status, 400, p);
    assert.equal(JSON.parse(r.text).errorCode, 'ERR_MALFORMED_REQUEST');
  }
  assert.equal(app.requests.filter((q) => q.url.includes('passwd')).length, 0);
});

test('unknown route without an app id is 404 with Dapr error shape', async () => {
  const r = await echo('/v1.0/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.text).errorCode, 'ERR_NOT_FOUND');
});

test('invoking an unknown app id answers 500 ERR_DIRECT_INVOKE', async () => {
  const res = await request(`${base}/v1.0/invoke/nobody-${process.pid}.ns1/method/x`);
  const body = (await res.body.json()) as { errorCode: string; message: string };
  assert.equal(res.statusCode, 500);
  assert.equal(body.errorCode, 'ERR_DIRECT_INVOKE');
  assert.match(body.message, /failed to invoke, id: nobody/);
});

test('an app id with more than one dot is refused', async () => {
  const res = await request(`${base}/v1.0/invoke/a.b.c/method/x`);
  assert.equal(res.statusCode, 400);
  assert.equal(((await res.body.json()) as { errorCode: string }).errorCode, 'ERR_DIRECT_INVOKE');
});

test('request headers larger than the read buffer get 431; smaller ones pass', async () => {
  const ok = await echo(`/v1.0/invoke/${appId}/method/h`, { headers: { 'x-big': 'a'.repeat(12 * 1024) } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json().headers['x-big']?.length, 12 * 1024);
  const res = await request(`${base}/v1.0/invoke/${appId}/method/h`, { headers: { 'x-big': 'a'.repeat(20 * 1024) } });
  assert.equal(res.statusCode, 431);
  assert.equal(((await res.body.json()) as { errorCode: string }).errorCode, 'ERR_HEADERS_TOO_LARGE');
});

test('--max-body-size: a body past the limit gets 413 (declared and chunked), one under passes', async () => {
  const id = uniqueAppId('limit');
  const sc = await startTestSidecar({ appId: id, appPort: app.port, maxBodySize: 1024 });
  const before = app.requests.length;
  try {
    const url = `http://127.0.0.1:${sc.httpPort}/v1.0/invoke/${id}/method/upload`;
    const small = await request(url, { method: 'POST', body: 'x'.repeat(1000) });
    assert.equal(small.statusCode, 200);
    await small.body.dump();
    const big = await request(url, { method: 'POST', body: 'x'.repeat(2000) });
    assert.equal(big.statusCode, 413);
    assert.equal(((await big.body.json()) as { errorCode: string }).errorCode, 'ERR_BODY_TOO_LARGE');
    async function* chunks() { for (let i = 0; i < 10; i++) yield Buffer.alloc(512, 97); }
    const chunked = await request(url, { method: 'POST', body: Readable.from(chunks()) });
    assert.equal(chunked.statusCode, 413);
    await chunked.body.dump();
    assert.equal(app.requests.slice(before).filter((q) => q.url === '/upload').length, 1, 'only the small request reached the app');
  } finally {
    await sc.stop('done');
  }
});

test('HTTPEndpoint resources route invocation to a non-Dapr endpoint with its headers', async () => {
  const external = await startEchoApp();
  const id = uniqueAppId('withendpoint');
  const dir = resourcesWith({
    'endpoint.yaml': `apiVersion: dapr.io/v1alpha1
kind: HTTPEndpoint
metadata:
  name: external-api
spec:
  baseUrl: http://127.0.0.1:${external.port}/base
  headers:
  - name: x-api-key
    value: k123
`,
  });
  const sc = await startTestSidecar({ appId: id, resourcesPaths: [dir] });
  try {
    const res = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/invoke/external-api/method/things/1?z=9`);
    const e = (await res.body.json()) as { url: string; headers: Record<string, string> };
    assert.equal(res.statusCode, 200);
    assert.equal(e.url, '/base/things/1?z=9');
    assert.equal(e.headers['x-api-key'], 'k123');
    const direct = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/invoke/${encodeURIComponent(`http://127.0.0.1:${external.port}`)}/method/raw`);
    assert.equal(((await direct.body.json()) as { url: string }).url, '/raw');
  } finally {
    await sc.stop('done');
    await external.close();
  }
});
