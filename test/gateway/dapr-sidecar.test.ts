/**
 * Dapr app ids as gateway clusters, through real Outrigger sidecars: an HTTP app reached through
 * its sidecar's invoke API (mode: invoke), and a gRPC app reached through its sidecar's gRPC proxy
 * (protocol: h2c, mode: header, dapr-app-id), with the trace context carried to the app.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { request } from 'undici';
import { Gateway } from '../../gateway/gateway';
import { createLogger } from '../../observability/logger';
import type { SidecarHandle } from '../../runtime/sidecar';
import { startApp, startTestSidecar, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { EchoClient, md, startEcho, unary, type EchoServer } from './grpc-echo';

const logger = createLogger({ level: 'error', json: false, sink: () => undefined });
let dir = '';
let gw: Gateway;
let echo: EchoServer;
let web: TestApp;
let grpcSidecar: SidecarHandle;
let httpSidecar: SidecarHandle;
let grpcAppId = '';
let httpAppId = '';

before(async () => {
  echo = await startEcho();
  web = await startApp((req, res) => res.end(`orders saw ${req.method} ${req.url}`));
  grpcAppId = uniqueAppId('gw-echo');
  httpAppId = uniqueAppId('gw-orders');
  grpcSidecar = await startTestSidecar({ appId: grpcAppId, appPort: echo.port, appProtocol: 'grpc' });
  httpSidecar = await startTestSidecar({ appId: httpAppId, appPort: web.port });
  await Promise.all([grpcSidecar.ready, httpSidecar.ready]);
  dir = mkdtempSync(path.join(tmpdir(), 'outrigger-gw-dapr-'));
  const file = path.join(dir, 'gateway.yaml');
  writeFileSync(file, `apiVersion: outrigger.dev/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  listeners:
    - name: edge
      address: 127.0.0.1
      port: 0
      virtual_hosts:
        - name: all
          routes:
            - match: { prefix: /outrigger.test.echo.Echo/ }
              route: { cluster: echo-app }
            - match: { prefix: /shop/ }
              route: { cluster: orders-app, prefix_rewrite: /api/ }
  clusters:
    - name: echo-app
      protocol: h2c
      dapr: { app_id: ${grpcAppId}, sidecar: "http://127.0.0.1:${grpcSidecar.grpcPort}", mode: header }
    - name: orders-app
      dapr: { app_id: ${httpAppId}, sidecar: "http://127.0.0.1:${httpSidecar.httpPort}" }
`);
  gw = await Gateway.start(file, logger);
});

after(async () => {
  await gw?.close();
  await Promise.all([grpcSidecar?.stop('done'), httpSidecar?.stop('done')]);
  await echo?.close();
  await web?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an HTTP route reaches a Dapr app through its sidecar invoke API', async () => {
  const r = await request(`http://127.0.0.1:${gw.port('edge')}/shop/items?page=2`, { method: 'POST', body: 'x' });
  assert.equal(r.statusCode, 200);
  assert.equal(await r.body.text(), 'orders saw POST /api/items?page=2');
});

test('a gRPC call reaches a Dapr gRPC app through its sidecar gRPC proxy, trace context included', async () => {
  const client = new EchoClient(`127.0.0.1:${gw.port('edge')}`, grpc.credentials.createInsecure());
  try {
    const traceId = 'aaf7651916cd43dd8448eb211c80319c';
    const r = await unary(client, { text: 'via dapr' }, md({ traceparent: `00-${traceId}-b7ad6b7169203331-01` }));
    assert.equal(r.reply.text, 'via dapr');
    const seen = echo.seen.at(-1)!;
    assert.match(String(seen.get('traceparent')[0]), new RegExp(`^00-${traceId}-`));
    assert.equal(seen.get('dapr-app-id').length, 0);
  } finally {
    client.close();
  }
});
