import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { startApp, startTestSidecar, uniqueAppId, freePort } from '../helpers/sidecar';

test('the API answers before the app listens; the app config is read once the app port opens', async () => {
  const appPort = await freePort();
  const id = uniqueAppId('late');
  const sc = await startTestSidecar({ appId: id, appPort });
  try {
    const md = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`);
    assert.equal(md.statusCode, 200);
    await md.body.dump();
    const outbound = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/healthz/outbound`);
    assert.equal(outbound.statusCode, 204);
    await outbound.body.dump();
    // The app starts later, on its port, and declares a subscription.
    const server = http.createServer((req, res) => {
      if (req.url === '/dapr/subscribe') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ pubsubname: 'pubsub', topic: 'orders', route: '/orders' }]));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(appPort, '127.0.0.1', r));
    try {
      let subs: Array<{ topic: string; type: string }> = [];
      for (let i = 0; i < 100 && subs.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const body = (await (await request(`http://127.0.0.1:${sc.httpPort}/v1.0/metadata`)).body.json()) as { subscriptions?: typeof subs };
        subs = body.subscriptions ?? [];
      }
      assert.deepEqual(subs.map((x) => [x.topic, x.type]), [['orders', 'PROGRAMMATIC']]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  } finally {
    await sc.stop('done');
  }
});

test('POST /v1.0/shutdown answers 204 and stops the sidecar; in-flight requests finish', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const app = await startApp((_req, res) => { void gate.then(() => { res.writeHead(200); res.end('late answer'); }); });
  const id = uniqueAppId('drain');
  const sc = await startTestSidecar({ appId: id, appPort: app.port, gracefulShutdownSeconds: 5 });
  try {
    const inflight = request(`http://127.0.0.1:${sc.httpPort}/v1.0/invoke/${id}/method/slow`);
    await new Promise((r) => setTimeout(r, 100));
    const down = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/shutdown`, { method: 'POST' });
    assert.equal(down.statusCode, 204);
    await down.body.dump();
    setTimeout(release, 200);
    const res = await inflight;
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'late answer');
    await sc.closed;
    await assert.rejects(request(`http://127.0.0.1:${sc.httpPort}/v1.0/healthz`));
  } finally {
    await app.close();
  }
});
