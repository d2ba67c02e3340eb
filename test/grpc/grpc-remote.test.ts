/**
 * gRPC proxying to another sidecar (target kind 'remote'): API server -> peer's internal listener
 * (node:http2 + handleInternalGrpc) -> the peer's grpc-js app. Two real hops.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { GrpcApiServer } from '../../proxy/grpc/grpc-api-server';
import { handleInternalGrpc, isGrpcRequest } from '../../proxy/grpc/internal-grpc';
import { UpstreamSessions } from '../../proxy/grpc/upstream-sessions';
import { echoClient, fixedInvocation, listen, md, silentLogger, startApi, startEchoApp, unary, type EchoApp, type EchoReply } from './helpers';

describe('gRPC proxy to a remote sidecar', () => {
  let app: EchoApp;
  let internal: http2.Http2Server;
  let internalPort: number;
  let api: GrpcApiServer;
  let client: grpc.Client;
  const sessions = new UpstreamSessions(silentLogger);

  before(async () => {
    app = await startEchoApp();
    internal = http2.createServer((req, res) => {
      assert.ok(isGrpcRequest(req));
      handleInternalGrpc(req, res, {
        appId: 'callee', namespace: 'default', logger: silentLogger, sessions,
        appChannelGrpc: { host: '127.0.0.1', port: app.port },
      });
    });
    internalPort = await listen(internal);
    let port: number;
    ({ api, port } = await startApi({
      appId: 'caller',
      invocation: fixedInvocation((id) => ({
        kind: 'remote', appId: id, namespace: 'default',
        endpoint: { host: '127.0.0.1', port: internalPort, appId: id },
      })),
    }));
    client = echoClient(port);
  });
  after(async () => {
    client.close();
    await api.close();
    sessions.close();
    await new Promise<void>((r) => internal.close(() => r()));
    await app.close();
  });

  it('relays unary through both sidecars; the app sees the calling app id and no internal headers', async () => {
    const r = await unary(client, 'unary', { text: 'far' }, md({ 'dapr-app-id': 'callee' }));
    assert.equal(r.text, 'far');
    assert.equal(r.caller, 'caller');
    for (const h of ['dapr-app-id', 'dapr-callee-app-id', 'dapr-caller-namespace', 'dapr-callee-namespace']) {
      assert.ok(!r.metadataKeys.includes(h), `${h} must not reach the app`);
    }
  });

  it('relays bidi streaming through both sidecars', async () => {
    const call = (client as unknown as { bidi(m: grpc.Metadata): grpc.ClientDuplexStream<object, EchoReply> }).bidi(md({ 'dapr-app-id': 'callee' }));
    const got: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: EchoReply) => got.push(r.text));
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const t of ['x', 'y', 'z']) call.write({ text: t });
    call.end();
    await done;
    assert.deepEqual(got, ['X', 'Y', 'Z']);
  });

  it('relays an app error status through both sidecars', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'q', failCode: grpc.status.PERMISSION_DENIED }, md({ 'dapr-app-id': 'callee' })),
      (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED && e.details === 'app says no to q');
  });

  it('the internal listener refuses a call meant for another app id', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'q' }, md({ 'dapr-app-id': 'someone-else' })),
      (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND && e.details.includes('someone-else'));
  });
});
