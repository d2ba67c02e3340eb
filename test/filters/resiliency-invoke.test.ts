/**
 * Resiliency on service invocation between running sidecars: retries of buffered bodies (and not
 * of streamed ones), status-code matching, timeouts, a circuit breaker that fails fast with an
 * error status, and outlier ejection of a failing instance — all visible in metrics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { freePort, resourcesWith, startApp, startTestSidecar, staticResolutionConfig, uniqueAppId, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { call, metricValue, scrape, startPair, type Pair } from './helpers';
import { BREAKER_AFTER_THREE_FAILURES, resiliencyYaml } from '../helpers/resource-yaml';

describe('retries, matching, timeouts and breakers on invocation', () => {
  let app: TestApp;
  let pair: Pair;
  let pairCb: Pair;
  const flakyLeft = new Map<string, number>();
  before(async () => {
    app = await startApp((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/flaky')) {
        const left = flakyLeft.get(url) ?? 2;
        flakyLeft.set(url, left - 1);
        if (left > 0) { res.writeHead(500).end('not yet'); return; }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('finally');
        return;
      }
      if (url === '/bad-gateway') { res.writeHead(502).end('bad gateway'); return; }
      if (url === '/boom') { res.writeHead(500).end('boom'); return; }
      if (url === '/slow') { setTimeout(() => { if (!res.destroyed) res.writeHead(200).end('slow'); }, 3000); return; }
      res.writeHead(200).end('ok');
    });
    const idB = uniqueAppId('res-b');
    pair = await startPair({
      idA: uniqueAppId('res-a'), idB, appB: app, optsA: { enableMetrics: true, resourcesPaths: [resourcesWith({ 'res.yaml': resiliencyYaml('invoke-policies', {
        policies: { retries: { fast: { policy: 'constant', duration: '10ms', maxRetries: 3, matching: { httpStatusCodes: '500,503' } } } },
        targets: { apps: { [idB]: { retry: 'fast' } } },
      }) })] },
    });
    const idC = uniqueAppId('res-c');
    pairCb = await startPair({
      idA: uniqueAppId('res-a2'), idB: idC, appB: app, optsA: { enableMetrics: true, resourcesPaths: [resourcesWith({ 'res.yaml': resiliencyYaml('invoke-policies', {
        policies: { timeouts: { short: '200ms' }, circuitBreakers: { cb: BREAKER_AFTER_THREE_FAILURES } },
        targets: { apps: { [idC]: { timeout: 'short', circuitBreaker: 'cb' } } },
      }) })] },
    });
  });
  after(async () => {
    await Promise.all([pair?.close(), pairCb?.close()]);
    await app?.close();
  });

  const hits = (path: string): number => app.requests.filter((r) => r.url === path).length;

  test('a buffered body is retried on a matching status until it succeeds', async () => {
    const r = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/flaky-1`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'finally');
    const seen = app.requests.filter((q) => q.url === '/flaky-1');
    assert.equal(seen.length, 3);
    assert.ok(seen.every((q) => q.body.toString() === 'payload'), 'every attempt carried the whole body');
    const m = await scrape(pair.a.metricsPort);
    assert.equal(metricValue(m, 'outrigger_retries_total', { target: `app:${pair.idB}` }), 2);
    assert.equal(metricValue(m, 'dapr_resiliency_activations_total', { policy: 'retry' }), 2);
  });

  test('a status outside the matching list is returned at once', async () => {
    const r = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/bad-gateway`);
    assert.equal(r.status, 502);
    assert.equal(hits('/bad-gateway'), 1);
  });

  test('a streamed (chunked) body is sent once, never retried', async () => {
    const body = Readable.toWeb(Readable.from([Buffer.from('chunk-1'), Buffer.from('chunk-2')])) as ReadableStream;
    const r = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/flaky-stream`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 500);
    assert.equal(hits('/flaky-stream'), 1);
    assert.equal(app.requests.find((q) => q.url === '/flaky-stream')?.body.toString(), 'chunk-1chunk-2');
  });

  test('a timeout answers with an error, not the late reply', async () => {
    const r = await call(pairCb.a.httpPort, `/v1.0/invoke/${pairCb.idB}/method/slow`);
    assert.equal(r.status, 500);
    const err = r.json() as { errorCode: string; message: string };
    assert.equal(err.errorCode, 'ERR_DIRECT_INVOKE');
    assert.match(err.message, /timed out/);
  });

  test('an open circuit breaker fails fast with an error status, never a 200', async () => {
    let opened: { status: number; text: string } | undefined;
    for (let i = 0; i < 6 && !opened; i++) {
      const r = await call(pairCb.a.httpPort, `/v1.0/invoke/${pairCb.idB}/method/boom`);
      if (/circuit breaker is open/.test(r.text)) opened = r;
      else assert.equal(r.status, 500);
    }
    assert.ok(opened, 'the breaker opened');
    assert.equal(opened.status, 500);
    const before = hits('/boom');
    assert.ok(before <= 3, `at most trip+1 calls reached the app (${before})`);
    const healthyPath = await call(pairCb.a.httpPort, `/v1.0/invoke/${pairCb.idB}/method/fine`);
    assert.equal(healthyPath.status, 500, 'open for every method of the target');
    assert.equal(hits('/fine'), 0);
    assert.equal(hits('/boom'), before);
    const m = await scrape(pairCb.a.metricsPort);
    assert.equal(metricValue(m, 'dapr_resiliency_cb_state', { status: 'open' }), 1);
    assert.ok(metricValue(m, 'outrigger_circuit_breaker_rejected_total') >= 2);
  });
});

describe('outlier ejection across two instances of an app', () => {
  let bad: TestApp;
  let good: TestApp;
  let a: SidecarHandle;
  let b1: SidecarHandle;
  let b2: SidecarHandle;
  const idA = uniqueAppId('od-a');
  const idB = uniqueAppId('od-b');
  before(async () => {
    bad = await startApp((_req, res) => { res.writeHead(503).end('sick'); });
    good = await startApp((_req, res) => { res.writeHead(200).end('well'); });
    const [pa, p1, p2] = await Promise.all([freePort(), freePort(), freePort()]);
    const config = staticResolutionConfig({ [idA]: [`127.0.0.1:${pa}`], [idB]: [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`] });
    a = await startTestSidecar({ appId: idA, daprInternalGrpcPort: pa, config, enableMetrics: true });
    b1 = await startTestSidecar({ appId: idB, daprInternalGrpcPort: p1, config, appPort: bad.port });
    b2 = await startTestSidecar({ appId: idB, daprInternalGrpcPort: p2, config, appPort: good.port });
  });
  after(async () => {
    await Promise.all([a?.stop('done'), b1?.stop('done'), b2?.stop('done')]);
    await Promise.all([bad?.close(), good?.close()]);
  });

  test('the failing instance is ejected and traffic goes to the healthy one', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push((await call(a.httpPort, `/v1.0/invoke/${idB}/method/work`)).status);
    const badHits = bad.requests.filter((r) => r.url === '/work').length;
    assert.equal(badHits, 5, 'ejected after 5 consecutive failures');
    assert.deepEqual(statuses.slice(-10), Array(10).fill(200));
    const m = await scrape(a.metricsPort);
    assert.equal(metricValue(m, 'outrigger_outlier_ejections_total', { target: `${idB}.default` }), 1);
    assert.equal(metricValue(m, 'outrigger_outlier_ejected_endpoints', { target: `${idB}.default` }), 1);
  });
});
