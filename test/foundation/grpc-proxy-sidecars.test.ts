import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { startTestSidecar, uniqueAppId, freePort, staticResolutionConfig, tempDir } from '../helpers/sidecar';
import { startEchoApp, echoClient, md, unary, type EchoApp, type EchoReply, type EchoRequest } from '../grpc/helpers';
import type { SidecarHandle } from '../../runtime/sidecar';

for (const mtls of [false, true]) {
  const mode = mtls ? 'mTLS' : 'plain';
  let app: EchoApp;
  let a: SidecarHandle;
  let b: SidecarHandle;
  let idA: string;
  let idB: string;

  before(async () => {
    app = await startEchoApp();
    idA = uniqueAppId(`gp-a-${mode}`);
    idB = uniqueAppId(`gp-b-${mode}`);
    const [pa, pb] = [await freePort(), await freePort()];
    const config = staticResolutionConfig({ [idA]: [`127.0.0.1:${pa}`], [idB]: [`127.0.0.1:${pb}`] });
    const dataDir = tempDir('outrigger-gp-');
    a = await startTestSidecar({ appId: idA, daprInternalGrpcPort: pa, config, dataDir, enableMtls: mtls });
    b = await startTestSidecar({ appId: idB, appPort: app.port, appProtocol: 'grpc', daprInternalGrpcPort: pb, config, dataDir, enableMtls: mtls });
  });
  after(async () => {
    await Promise.all([a.stop('done'), b.stop('done')]);
    await app.close();
  });

  test(`gRPC proxying (${mode}): unary call with dapr-app-id crosses both sidecars; the app sees the caller`, async () => {
    const client = echoClient(a.grpcPort);
    try {
      const r = await unary(client, 'unary', { text: 'hi' }, md({ 'dapr-app-id': idB }));
      assert.equal(r.text, 'hi');
      assert.equal(r.caller, idA);
      assert.ok(!r.metadataKeys.includes('dapr-app-id'));
    } finally {
      client.close();
    }
  });

  test(`gRPC proxying (${mode}): server streaming and bidi streaming across both sidecars`, async () => {
    const client = echoClient(a.grpcPort);
    try {
      const streamed = await new Promise<EchoReply[]>((resolve, reject) => {
        const out: EchoReply[] = [];
        const call = (client as unknown as { serverStream(r: EchoRequest, m: grpc.Metadata): grpc.ClientReadableStream<EchoReply> }).serverStream({ text: 's', repeat: 5 }, md({ 'dapr-app-id': idB }));
        call.on('data', (d: EchoReply) => out.push(d));
        call.on('end', () => resolve(out));
        call.on('error', reject);
      });
      assert.deepEqual(streamed.map((r) => r.text), ['s-0', 's-1', 's-2', 's-3', 's-4']);
      const bidi = (client as unknown as { bidi(m: grpc.Metadata): grpc.ClientDuplexStream<EchoRequest, EchoReply> }).bidi(md({ 'dapr-app-id': idB }));
      const got: string[] = [];
      for (const word of ['one', 'two', 'three']) {
        const next = new Promise<EchoReply>((resolve) => bidi.once('data', resolve));
        bidi.write({ text: word });
        got.push((await next).text);
      }
      bidi.end();
      assert.deepEqual(got, ['ONE', 'TWO', 'THREE'], 'the app upper-cases each bidi message');
    } finally {
      client.close();
    }
  });

  test(`gRPC proxying (${mode}): app status codes and messages are relayed`, async () => {
    const client = echoClient(a.grpcPort);
    try {
      await assert.rejects(unary(client, 'unary', { text: 'x', failCode: 5 }, md({ 'dapr-app-id': idB })), (err: grpc.ServiceError) => {
        assert.equal(err.code, 5);
        assert.match(err.details, /app says no to x/);
        return true;
      });
    } finally {
      client.close();
    }
  });
}

test('access control applies to gRPC proxied calls between sidecars (mTLS identity)', async () => {
  const app = await startEchoApp();
  const idA = uniqueAppId('gacl-a');
  const idB = uniqueAppId('gacl-b');
  const [pa, pb] = [await freePort(), await freePort()];
  const acl = `  accessControl:
    defaultAction: allow
    trustDomain: public
    policies:
      - appId: ${idA}
        defaultAction: allow
        namespace: default
        operations:
          - name: /outrigger.test.echo.Echo/Unary
            httpVerb: ["*"]
            action: deny
`;
  const config = staticResolutionConfig({ [idA]: [`127.0.0.1:${pa}`], [idB]: [`127.0.0.1:${pb}`] }, acl);
  const dataDir = tempDir('outrigger-gacl-');
  const a = await startTestSidecar({ appId: idA, daprInternalGrpcPort: pa, config, dataDir, enableMtls: true });
  const b = await startTestSidecar({ appId: idB, appPort: app.port, appProtocol: 'grpc', daprInternalGrpcPort: pb, config, dataDir, enableMtls: true });
  const client = echoClient(a.grpcPort);
  try {
    await assert.rejects(unary(client, 'unary', { text: 'denied' }, md({ 'dapr-app-id': idB })), (err: grpc.ServiceError) => err.code === 7);
    const streamed = await new Promise<number>((resolve, reject) => {
      let n = 0;
      const call = (client as unknown as { serverStream(r: EchoRequest, m: grpc.Metadata): grpc.ClientReadableStream<EchoReply> }).serverStream({ text: 'ok', repeat: 2 }, md({ 'dapr-app-id': idB }));
      call.on('data', () => n++);
      call.on('end', () => resolve(n));
      call.on('error', reject);
    });
    assert.equal(streamed, 2, 'other methods stay allowed');
  } finally {
    client.close();
    await Promise.all([a.stop('done'), b.stop('done')]);
    await app.close();
  }
});
