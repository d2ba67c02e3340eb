/**
 * Dapr's built-in service-invocation retries between running sidecars: when no Resiliency target
 * names the called app, a call to a sidecar that cannot be reached (connection refused) is tried
 * again (1 s apart, 3 times); a sidecar that comes up within that window answers the call. An app
 * named by a Resiliency target gets only its own policy. HTTP and gRPC (InvokeService) paths.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, resourcesWith, startApp, startTestSidecar, staticResolutionConfig, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { callDapr, daprGrpcClient } from '../helpers/dapr-grpc';
import type { SidecarHandle } from '../../runtime/sidecar';
import { call, eventually, metricValue, scrape } from './helpers';

describe('built-in service invocation retries', () => {
  let app: TestApp;
  let caller: SidecarHandle;
  let late: SidecarHandle | undefined;
  const callerId = uniqueAppId('sr-a');
  const lateId = uniqueAppId('sr-late');
  const goneId = uniqueAppId('sr-gone');
  const namedId = uniqueAppId('sr-named');
  let latePort = 0;
  let config = '';

  before(async () => {
    app = await startApp((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }).end('reached'); });
    const [callerPort, lp, goneP, namedP] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    latePort = lp;
    config = staticResolutionConfig({
      [callerId]: [`127.0.0.1:${callerPort}`], [lateId]: [`127.0.0.1:${lp}`], [goneId]: [`127.0.0.1:${goneP}`], [namedId]: [`127.0.0.1:${namedP}`],
    });
    const resiliency = `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: named-only
spec:
  policies:
    timeouts:
      generous: 30s
  targets:
    apps:
      ${namedId}:
        timeout: generous
`;
    caller = await startTestSidecar({ appId: callerId, daprInternalGrpcPort: callerPort, config, enableMetrics: true, resourcesPaths: [resourcesWith({ 'res.yaml': resiliency })] });
  });

  after(async () => {
    await Promise.all([caller?.stop('done'), late?.stop('done')]);
    await app?.close();
  });

  const retries = async (id: string): Promise<number> => metricValue(await scrape(caller.metricsPort), 'outrigger_retries_total', { target: `app:${id}` });

  test('a sidecar that comes up within the retry window answers the call', async () => {
    const pending = call(caller.httpPort, `/v1.0/invoke/${lateId}/method/hello`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    await eventually(async () => ((await retries(lateId)) >= 1 ? true : undefined), 'a built-in retry');
    late = await startTestSidecar({ appId: lateId, daprInternalGrpcPort: latePort, config, appPort: app.port });
    const r = await pending;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'reached');
    const seen = app.requests.filter((q) => q.url === '/hello');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.body.toString(), 'payload', 'the body survived the retries');
  });

  test('an unreachable sidecar fails after three retries with ERR_DIRECT_INVOKE', async () => {
    const r = await call(caller.httpPort, `/v1.0/invoke/${goneId}/method/hello`);
    assert.equal(r.status, 500);
    const err = r.json() as { errorCode: string; message: string };
    assert.equal(err.errorCode, 'ERR_DIRECT_INVOKE');
    assert.match(err.message, new RegExp(`failed to invoke target ${goneId} after 3 retries`));
    assert.equal(await retries(goneId), 3);
  });

  test('the gRPC InvokeService path retries the same way', async () => {
    const before = await retries(goneId);
    const client = daprGrpcClient(caller.grpcPort);
    try {
      await assert.rejects(
        callDapr(client, 'InvokeService', { id: goneId, message: { method: 'hello', httpExtension: { verb: 'GET' } } }),
        (e: Error) => /after 3 retries/.test(e.message),
      );
    } finally {
      client.close();
    }
    assert.equal((await retries(goneId)) - before, 3);
  });

  test('an app named by a Resiliency target gets its own policy, not the built-in retries', async () => {
    const r = await call(caller.httpPort, `/v1.0/invoke/${namedId}/method/hello`);
    assert.equal(r.status, 500);
    assert.doesNotMatch(r.text, /retries/);
    assert.equal(await retries(namedId), 0);
  });
});
