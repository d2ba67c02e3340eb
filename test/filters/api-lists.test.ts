/**
 * Configuration spec.api allow/deny lists on a running sidecar: HTTP routes that are not allowed
 * are not served (404 ERR_NOT_FOUND, invocation in every form too); gRPC methods map to API names
 * and answer PERMISSION_DENIED, counted in metrics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startTestSidecar, staticResolutionConfig, uniqueAppId } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { createApiFilter, canonicalApiVersion } from '../../filters/api-lists/api-lists';
import { grpcApiOf } from '../../filters/api-lists/grpc-api-names';
import { call, metricValue, scrape } from './helpers';

describe('api list decisions', () => {
  test('versions in either spelling; deny beats allow; lists are per protocol', () => {
    assert.equal(canonicalApiVersion('v1.0'), 'v1');
    assert.equal(canonicalApiVersion('v1.0-alpha1'), 'v1alpha1');
    assert.equal(canonicalApiVersion('v1.0-beta1'), 'v1beta1');
    const f = createApiFilter({ allowed: [{ name: 'state', version: 'v1.0' }, { name: 'invoke', version: 'v1' }], denied: [{ name: 'invoke', version: 'v1.0', protocol: 'http' }] });
    assert.equal(f('state', 'v1', 'http'), true);
    assert.equal(f('invoke', 'v1', 'http'), false);
    assert.equal(f('publish', 'v1', 'http'), false);
    assert.equal(f('healthz', 'v1', 'http'), true);
    assert.equal(f('publish', 'v1', 'grpc'), true, 'no gRPC rules: gRPC unrestricted');
  });

  test('gRPC method names map to Dapr API names and versions', () => {
    const svc = '/dapr.proto.runtime.v1.Dapr/';
    assert.deepEqual(grpcApiOf(`${svc}GetState`), { api: 'state', version: 'v1' });
    assert.deepEqual(grpcApiOf(`${svc}ExecuteStateTransaction`), { api: 'state', version: 'v1' });
    assert.deepEqual(grpcApiOf(`${svc}TryLockAlpha1`), { api: 'lock', version: 'v1alpha1' });
    assert.deepEqual(grpcApiOf(`${svc}StartWorkflowBeta1`), { api: 'workflows', version: 'v1beta1' });
    assert.deepEqual(grpcApiOf(`${svc}InvokeActor`), { api: 'actors', version: 'v1' });
    assert.deepEqual(grpcApiOf(`${svc}SubtleSignAlpha1`), { api: 'subtlecrypto', version: 'v1alpha1' });
    assert.deepEqual(grpcApiOf(`${svc}GetMetadata`), { api: 'metadata', version: 'v1' });
    assert.equal(grpcApiOf('/other.Service/Method'), undefined);
  });
});

describe('api lists on a running sidecar', () => {
  let s: SidecarHandle;
  const id = uniqueAppId('apilist');
  before(async () => {
    const config = staticResolutionConfig({ [id]: ['127.0.0.1:1'] }, `  api:
    allowed:
    - name: state
      version: v1.0
      protocol: http
    - name: metadata
      version: v1
      protocol: grpc
`);
    s = await startTestSidecar({ appId: id, config, enableMetrics: true });
  });
  after(async () => { await s?.stop('done'); });

  test('HTTP: only allowed APIs are served; invocation in every form is refused', async () => {
    const md = await call(s.httpPort, '/v1.0/metadata');
    assert.equal(md.status, 404);
    assert.equal((md.json() as { errorCode: string }).errorCode, 'ERR_NOT_FOUND');
    const state = await call(s.httpPort, '/v1.0/state/nostore/k');
    assert.notEqual((state.json() as { errorCode: string }).errorCode, 'ERR_NOT_FOUND', 'the state API is served');
    assert.equal((await call(s.httpPort, '/v1.0/healthz')).status, 204);
    assert.equal((await call(s.httpPort, '/v1.0/invoke/other/method/x')).status, 404);
    assert.equal((await call(s.httpPort, '/x', { headers: { 'dapr-app-id': 'other' } })).status, 404);
  });

  test('gRPC: allowed methods answer, others are PERMISSION_DENIED and counted', async () => {
    const client = new grpc.Client(`127.0.0.1:${s.grpcPort}`, grpc.credentials.createInsecure());
    const unary = (method: string, md = new grpc.Metadata()) => new Promise<grpc.ServiceError | null>((resolve) => {
      client.makeUnaryRequest(`/dapr.proto.runtime.v1.Dapr/${method}`, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), md, (err) => resolve(err));
    });
    try {
      assert.equal(await unary('GetMetadata'), null);
      const denied = await unary('GetState');
      assert.equal(denied?.code, grpc.status.PERMISSION_DENIED);
      assert.equal((await unary('PublishEvent'))?.code, grpc.status.PERMISSION_DENIED);
    } finally {
      client.close();
    }
    const m = await scrape(s.metricsPort);
    assert.equal(metricValue(m, 'outrigger_api_denied_total', { protocol: 'grpc', api: 'state' }), 1);
    assert.equal(metricValue(m, 'outrigger_api_denied_total', { protocol: 'grpc', api: 'publish' }), 1);
  });
});
