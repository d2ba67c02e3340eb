import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { request } from 'undici';
import { startEchoApp, startTestSidecar, sidecarOptions, uniqueAppId, emptyResources } from '../helpers/sidecar';
import { startSidecar } from '../../runtime/sidecar';
import { createLogger } from '../../observability/logger';
import { daprGrpcClient, callDapr } from '../helpers/dapr-grpc';

test('gRPC API token: missing and wrong tokens get UNAUTHENTICATED with daprd\'s messages; the right one passes', async () => {
  const sc = await startTestSidecar({ appId: uniqueAppId('grpc-token'), apiToken: 'secret-t' });
  const client = daprGrpcClient(sc.grpcPort);
  try {
    await assert.rejects(callDapr(client, 'getMetadata', {}), (e: grpc.ServiceError) => e.code === 16 && /missing api token in request metadata/.test(e.details));
    await assert.rejects(callDapr(client, 'getMetadata', {}, { 'dapr-api-token': 'nope' }), (e: grpc.ServiceError) => e.code === 16 && /api token mismatch/.test(e.details));
    const md = await callDapr<{ id: string }>(client, 'getMetadata', {}, { 'dapr-api-token': 'secret-t' });
    assert.equal(typeof md.id, 'string');
  } finally {
    client.close();
    await sc.stop('done');
  }
});

test('--enable-api-logging logs each call without headers or tokens', async () => {
  const lines: string[] = [];
  const app = await startEchoApp();
  const id = uniqueAppId('apilog');
  const sc = await startSidecar(sidecarOptions({ appId: id, appPort: app.port, enableApiLogging: true, apiToken: 'tok-should-not-appear', resourcesPaths: [emptyResources()] }), createLogger({ level: 'info', json: true, sink: (l) => lines.push(l) }));
  try {
    const res = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/invoke/${id}/method/hello?secret=q`, { headers: { 'dapr-api-token': 'tok-should-not-appear' } });
    await res.body.dump();
    await new Promise((r) => setTimeout(r, 50));
    const calls = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'API call');
    assert.ok(calls.some((c) => c.path === `/v1.0/invoke/${id}/method/hello` && c.status === 200 && c.api === 'invoke'));
    assert.ok(!lines.join('\n').includes('tok-should-not-appear'));
    assert.ok(!lines.join('\n').includes('secret=q'));
  } finally {
    await sc.stop('done');
    await app.close();
  }
});

test('--dapr-listen-addresses: the HTTP and gRPC APIs answer on every address', async () => {
  const sc = await startTestSidecar({ appId: uniqueAppId('addrs'), listenAddresses: ['127.0.0.1', '127.0.0.2'] });
  try {
    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const res = await request(`http://${host}:${sc.httpPort}/v1.0/healthz`);
      assert.equal(res.statusCode, 204, host);
      await res.body.dump();
    }
    const client = daprGrpcClient(sc.grpcPort);
    try {
      const md = await callDapr<{ id: string }>(client, 'getMetadata', {});
      assert.ok(md.id);
    } finally {
      client.close();
    }
  } finally {
    await sc.stop('done');
  }
});

test('app channel over h2c: invocation reaches an HTTP/2 cleartext app', async () => {
  const server = http2.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-proto': String(req.httpVersion) });
    res.end(`h2c ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const id = uniqueAppId('h2c');
  const sc = await startTestSidecar({ appId: id, appPort: (server.address() as AddressInfo).port, appProtocol: 'h2c' });
  try {
    const res = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/invoke/${id}/method/over/h2?x=1`, { method: 'POST', body: 'b' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-proto'], '2.0');
    assert.equal(await res.body.text(), 'h2c POST /over/h2?x=1');
  } finally {
    await sc.stop('done');
    await new Promise((r) => server.close(r));
  }
});
