import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { WebSocket } from 'undici';
import { startApp, startEchoApp, startTestSidecar, uniqueAppId, freePort, staticResolutionConfig, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { WebSocketServer } from './ws-server';
import { startByteSink } from './byte-sink';
import { Readable } from 'node:stream';

let appA: TestApp;
let appB: TestApp;
let sideA: SidecarHandle;
let sideB: SidecarHandle;
let idA: string;
let idB: string;
let wsServer: WebSocketServer;

before(async () => {
  appA = await startEchoApp();
  appB = await startApp((req, res, body) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let n = 0;
      const t = setInterval(() => {
        res.write(`data: tick ${n}\n\n`);
        if (++n === 3) { clearInterval(t); res.end(); }
      }, 20);
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json', 'x-from': 'b' });
    res.end(JSON.stringify({ url: req.url, method: req.method, body: body.toString(), headers: req.headers }));
  });
  wsServer = await WebSocketServer.start();
  idA = uniqueAppId('alpha');
  idB = uniqueAppId('beta');
  const portA = await freePort();
  const portB = await freePort();
  const config = staticResolutionConfig({ [idA]: [`127.0.0.1:${portA}`], [idB]: [`127.0.0.1:${portB}`] });
  sideA = await startTestSidecar({ appId: idA, appPort: appA.port, daprInternalGrpcPort: portA, config, appApiToken: 'app-secret-a' });
  sideB = await startTestSidecar({ appId: idB, appPort: appB.port, daprInternalGrpcPort: portB, config, appApiToken: 'app-secret-b' });
});
after(async () => {
  await Promise.all([sideA.stop('done'), sideB.stop('done')]);
  await Promise.all([appA.close(), appB.close(), wsServer.close()]);
});

test('A invokes B through both sidecars: status, headers, body, query preserved; caller identity set', async () => {
  const res = await request(`http://127.0.0.1:${sideA.httpPort}/v1.0/invoke/${idB}/method/orders/9?x=1`, { method: 'POST', body: 'payload', headers: { 'x-trace-me': 't1' } });
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers['x-from'], 'b');
  const e = (await res.body.json()) as { url: string; body: string; headers: Record<string, string> };
  assert.equal(e.url, '/orders/9?x=1');
  assert.equal(e.body, 'payload');
  assert.equal(e.headers['x-trace-me'], 't1');
  assert.equal(e.headers['dapr-caller-app-id'], idA);
  assert.equal(e.headers['dapr-callee-app-id'], idB);
  assert.equal(e.headers['dapr-caller-namespace'], 'default');
});

test('APP_API_TOKEN reaches the callee app as its own token, never the caller sidecar\'s', async () => {
  const res = await request(`http://127.0.0.1:${sideA.httpPort}/v1.0/invoke/${idB}/method/token`);
  const e = (await res.body.json()) as { headers: Record<string, string> };
  assert.equal(e.headers['dapr-api-token'], 'app-secret-b');
});

test('namespaced id app.ns resolves in that namespace', async () => {
  const res = await request(`http://127.0.0.1:${sideA.httpPort}/v1.0/invoke/${idB}.default/method/ns`);
  assert.equal(res.statusCode, 201);
  await res.body.dump();
  const other = await request(`http://127.0.0.1:${sideA.httpPort}/v1.0/invoke/${idB}.elsewhere/method/ns`);
  assert.equal(other.statusCode, 500);
  await other.body.dump();
});

test('server-sent events stream through two sidecars chunk by chunk', async () => {
  const res = await request(`http://127.0.0.1:${sideA.httpPort}/v1.0/invoke/${idB}/method/events`, { headers: { accept: 'text/event-stream' } });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /text\/event-stream/);
  const events: string[] = [];
  for await (const chunk of res.body) events.push(...String(chunk).split('\n\n').filter(Boolean));
  assert.deepEqual(events, ['data: tick 0', 'data: tick 1', 'data: tick 2']);
});

test('a 200 MB body streams through two sidecars intact', async () => {
  const size = 200 * 1024 * 1024;
  const sink = await startByteSink();
  const idS = uniqueAppId('sink');
  const portS = await freePort();
  const config = staticResolutionConfig({ [idS]: [`127.0.0.1:${portS}`] });
  const caller = await startTestSidecar({ appId: uniqueAppId('src'), config, maxBodySize: 512 * 1024 * 1024 });
  const callee = await startTestSidecar({ appId: idS, appPort: sink.port, daprInternalGrpcPort: portS, config, maxBodySize: 512 * 1024 * 1024 });
  try {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    async function* body() { for (let i = 0; i < size / chunk.length; i++) yield chunk; }
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const res = await request(`http://127.0.0.1:${caller.httpPort}/v1.0/invoke/${idS}/method/upload`, { method: 'POST', body: Readable.from(body()), headers: { 'content-length': String(size) } });
    const result = (await res.body.json()) as { bytes: number; sum: number };
    clearInterval(sampler);
    // Sender, both sidecars and the app share this process: buffering the body anywhere would add >= 200 MB.
    assert.ok(peak - baseline < 96 * 1024 * 1024, `memory grew by ${Math.round((peak - baseline) / 1048576)} MB while streaming 200 MB`);
    assert.equal(res.statusCode, 200);
    assert.equal(result.bytes, size);
    assert.equal(result.sum, (7 * size) % 2 ** 32);
  } finally {
    await Promise.all([caller.stop('done'), callee.stop('done')]);
    await sink.close();
  }
});

test('WebSocket upgrade passes through invocation across two sidecars', async () => {
  const idW = uniqueAppId('ws');
  const portW = await freePort();
  const config = staticResolutionConfig({ [idW]: [`127.0.0.1:${portW}`] });
  const caller = await startTestSidecar({ appId: uniqueAppId('wscaller'), config });
  const callee = await startTestSidecar({ appId: idW, appPort: wsServer.port, daprInternalGrpcPort: portW, config });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${caller.httpPort}/v1.0/invoke/${idW}/method/chat`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.addEventListener('open', () => ws.send('hello'));
      ws.addEventListener('message', (ev) => resolve(String(ev.data)));
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    ws.close();
    assert.equal(reply, 'echo:/chat:hello');
  } finally {
    await Promise.all([caller.stop('done'), callee.stop('done')]);
  }
});
