/**
 * Dapr's metric names on --metrics-port across two running sidecars, parsed with a real
 * Prometheus text-format parser: HTTP and gRPC server, service invocation (sent, received,
 * latency), the sidecar-to-app client side, and runtime state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startEchoApp, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { call, metricValue, scrape, startPair, type Pair } from './helpers';

describe('Dapr metrics', () => {
  let app: TestApp;
  let pair: Pair;
  before(async () => {
    app = await startEchoApp();
    pair = await startPair({ idA: uniqueAppId('m-a'), idB: uniqueAppId('m-b'), appB: app, optsA: { enableMetrics: true }, optsB: { enableMetrics: true } });
  });
  after(async () => {
    await pair?.close();
    await app?.close();
  });

  test('HTTP server, invocation and app-client metrics carry Dapr names and labels', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/m${i}`, { method: 'POST', body: 'x' })).status, 200);
    assert.equal((await call(pair.a.httpPort, '/v1.0/nope')).status, 404);
    const a = await scrape(pair.a.metricsPort);
    assert.equal(metricValue(a, 'dapr_http_server_request_count', { method: 'POST', status: '200', app_id: pair.idA }), 3);
    assert.equal(metricValue(a, 'dapr_http_server_request_count', { method: 'GET', status: '404' }), 1);
    assert.equal(metricValue(a, 'dapr_runtime_service_invocation_req_sent_total', { dst_app_id: pair.idB }), 3);
    for (const h of ['dapr_http_server_latency', 'dapr_runtime_service_invocation_res_recv_latency_ms', 'dapr_http_server_request_bytes']) assert.equal(a.types.get(h), 'HISTOGRAM', h);
    assert.ok(a.has('dapr_runtime_component_loaded'), 'runtime gauges are on the same registry');
    const b = await scrape(pair.b.metricsPort);
    assert.equal(metricValue(b, 'dapr_runtime_service_invocation_req_recv_total', { src_app_id: pair.idA }), 3);
    assert.equal(metricValue(b, 'dapr_http_client_completed_count', { method: 'POST', status: '200' }), 3);
    assert.equal(b.types.get('dapr_http_client_roundtrip_latency'), 'HISTOGRAM');
  });

  test('gRPC server metrics count calls by method and status', async () => {
    const client = new grpc.Client(`127.0.0.1:${pair.a.grpcPort}`, grpc.credentials.createInsecure());
    try {
      await new Promise<void>((resolve, reject) => {
        client.makeUnaryRequest('/dapr.proto.runtime.v1.Dapr/GetMetadata', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), new grpc.Metadata(), (err) => (err ? reject(err) : resolve()));
      });
    } finally {
      client.close();
    }
    const a = await scrape(pair.a.metricsPort);
    assert.equal(metricValue(a, 'dapr_grpc_io_server_completed_rpcs', { grpc_server_method: '/dapr.proto.runtime.v1.Dapr/GetMetadata', grpc_server_status: 'OK' }), 1);
  });
});
