/**
 * App health checks end to end: with --enable-app-health-check, an app that fails its probes
 * `threshold` times gets no invocations (a clear ERR_DIRECT_INVOKE error instead, the app is not
 * called), the health gauge shows it, and service resumes when the app recovers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { call, eventually, metricValue, scrape, startPair, type Pair } from './helpers';

describe('app health gating of invocation', () => {
  let healthy = true;
  let app: TestApp;
  let pair: Pair;
  before(async () => {
    app = await startApp((req, res) => {
      if (req.url === '/healthz') { res.writeHead(healthy ? 200 : 503).end(); return; }
      res.writeHead(200).end('served');
    });
    pair = await startPair({
      idA: uniqueAppId('ah-a'), idB: uniqueAppId('ah-b'), appB: app,
      optsB: { enableAppHealthCheck: true, appHealthProbeInterval: 1, appHealthProbeTimeout: 500, appHealthThreshold: 2, enableMetrics: true },
    });
  });
  after(async () => {
    await pair?.close();
    await app?.close();
  });

  const invoke = () => call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/work`);
  const gauge = async () => metricValue(await scrape(pair.b.metricsPort), 'outrigger_app_healthy');

  test('healthy: served; unhealthy: refused with a clear error; recovered: served again', async () => {
    await eventually(async () => ((await gauge()) === 1 ? true : undefined), 'the first successful probe');
    assert.equal((await invoke()).text, 'served');

    healthy = false;
    await eventually(async () => ((await gauge()) === 0 ? true : undefined), 'the app to be marked unhealthy');
    const before = app.requests.filter((r) => r.url === '/work').length;
    const refused = await invoke();
    assert.equal(refused.status, 500);
    const err = refused.json() as { errorCode: string; message: string };
    assert.equal(err.errorCode, 'ERR_DIRECT_INVOKE');
    assert.match(err.message, /app is not healthy/);
    assert.equal(app.requests.filter((r) => r.url === '/work').length, before, 'the app was not called');

    healthy = true;
    await eventually(async () => ((await gauge()) === 1 ? true : undefined), 'recovery');
    assert.equal((await invoke()).text, 'served');
  });
});
