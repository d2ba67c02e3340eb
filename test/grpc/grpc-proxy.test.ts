/**
 * gRPC proxying to the local app (target kind 'self') through a real API server and a real
 * grpc-js app: the four streaming kinds, status relay, size limit, cancellation, filters, and the
 * UNIMPLEMENTED answers for unserved Dapr methods and unknown services.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createClient, ConnectError, Code } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { create, toBinary } from '@bufbuild/protobuf';
import { Dapr, SetMetadataRequestSchema } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { Continue, Stop, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import type { GrpcApiServer } from '../../proxy/grpc/grpc-api-server';
import { echoClient, fixedInvocation, md, payloadMessageLength, startApi, startEchoApp, unary, type EchoApp, type EchoReply } from './helpers';

const LIMIT = 2048;
const TOKEN = 's3cret';

/** A token filter in the spirit of the API-token filter: stops with UNAUTHENTICATED. */
const tokenFilter: HttpFilter = {
  name: 'test.token',
  onRequest(ex) {
    if (ex.headers['dapr-api-token'] !== TOKEN) {
      sendLocalReply(ex, Errors.invalidApiToken());
      return Stop;
    }
    return Continue;
  },
};

describe('gRPC proxy to the local app', () => {
  let app: EchoApp;
  let api: GrpcApiServer;
  let port: number;
  let client: grpc.Client;
  const auth = (extra: Record<string, string> = {}): grpc.Metadata => md({ 'dapr-app-id': 'caller', 'dapr-api-token': TOKEN, ...extra });

  before(async () => {
    app = await startEchoApp();
    ({ api, port } = await startApi({
      maxBodySize: LIMIT,
      filters: [tokenFilter],
      invocation: fixedInvocation((id) => ({ kind: 'self', appId: id, namespace: 'default' })),
      appChannelGrpc: { host: '127.0.0.1', port: app.port },
    }));
    client = echoClient(port);
  });
  after(async () => {
    client.close();
    await api.close();
    await app.close();
  });

  it('relays a unary call, tells the app the caller and strips dapr-app-id and dapr-api-token', async () => {
    const r = await unary(client, 'unary', { text: 'hello' }, auth({ 'x-custom': 'kept' }));
    assert.equal(r.text, 'hello');
    assert.equal(r.caller, 'caller');
    assert.ok(r.metadataKeys.includes('x-custom'));
    assert.ok(!r.metadataKeys.includes('dapr-app-id'));
    assert.ok(!r.metadataKeys.includes('dapr-api-token'));
  });

  it('relays server streaming in order', async () => {
    const call = (client as unknown as { serverStream(r: object, m: grpc.Metadata): grpc.ClientReadableStream<EchoReply> }).serverStream({ text: 's', repeat: 5 }, auth());
    const got: string[] = [];
    for await (const m of call as AsyncIterable<EchoReply>) got.push(m.text);
    assert.deepEqual(got, ['s-0', 's-1', 's-2', 's-3', 's-4']);
  });

  it('relays a status sent after streamed messages', async () => {
    const call = (client as unknown as { serverStream(r: object, m: grpc.Metadata): grpc.ClientReadableStream<EchoReply> }).serverStream({ text: 'f', repeat: 2, failCode: grpc.status.FAILED_PRECONDITION }, auth());
    const got: string[] = [];
    await assert.rejects(async () => { for await (const m of call as AsyncIterable<EchoReply>) got.push(m.text); },
      (e: grpc.ServiceError) => e.code === grpc.status.FAILED_PRECONDITION && e.details === 'failed after stream');
    assert.deepEqual(got, ['f-0', 'f-1']);
  });

  it('relays client streaming', async () => {
    const r = await new Promise<EchoReply>((resolve, reject) => {
      const call = (client as unknown as { clientStream(m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v?: EchoReply) => void): grpc.ClientWritableStream<object> })
        .clientStream(auth(), (e, v) => (e ? reject(e) : resolve(v as EchoReply)));
      for (const t of ['a', 'b', 'c']) call.write({ text: t });
      call.end();
    });
    assert.equal(r.text, 'a,b,c');
    assert.equal(r.index, 3);
  });

  it('relays bidi streaming message by message (each reply arrives before the next request is sent)', async () => {
    const call = (client as unknown as { bidi(m: grpc.Metadata): grpc.ClientDuplexStream<object, EchoReply> }).bidi(auth());
    const next = (): Promise<EchoReply> => new Promise((resolve) => call.once('data', resolve));
    for (const [i, t] of ['one', 'two', 'three'].entries()) {
      const pending = next();
      call.write({ text: t });
      const r = await pending;
      assert.equal(r.text, t.toUpperCase());
      assert.equal(r.index, i);
    }
    const ended = new Promise<void>((resolve) => call.on('end', resolve));
    call.on('data', () => undefined);
    call.end();
    await ended;
  });

  it('relays the app status code and message (NOT_FOUND)', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'x', failCode: grpc.status.NOT_FOUND }, auth()),
      (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND && e.details === 'app says no to x');
  });

  it('rejects a proxied message over the max size with grpc-go wording', async () => {
    const size = LIMIT + 100;
    const n = payloadMessageLength(size);
    await assert.rejects(unary(client, 'unary', { payload: Buffer.alloc(size, 7) }, auth()),
      (e: grpc.ServiceError) => e.code === grpc.status.RESOURCE_EXHAUSTED && e.details === `grpc: received message larger than max (${n} vs. ${LIMIT})`);
    // A message under the limit still passes.
    const ok = await unary(client, 'unary', { payload: Buffer.alloc(LIMIT - 10, 7) }, auth());
    assert.equal(ok.payloadSize, LIMIT - 10);
  });

  it('propagates a client cancellation to the app', async () => {
    const call = (client as unknown as { serverStream(r: object, m: grpc.Metadata): grpc.ClientReadableStream<EchoReply> }).serverStream({ text: 'c', repeat: -1 }, auth());
    call.on('error', () => undefined);
    await new Promise((resolve) => call.once('data', resolve));
    call.cancel();
    await app.cancelled;
  });

  it('blocks the call when a filter stops it', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'x' }, md({ 'dapr-app-id': 'caller', 'dapr-api-token': 'wrong' })),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED && e.details === 'invalid api token');
  });

  it('answers UNIMPLEMENTED for an unknown service without dapr-app-id', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'x' }, md({ 'dapr-api-token': TOKEN })),
      (e: grpc.ServiceError) => e.code === grpc.status.UNIMPLEMENTED && e.details === 'unknown service outrigger.test.echo.Echo');
  });

  it('answers UNIMPLEMENTED naming the method for a Dapr method nobody serves', async () => {
    const dapr = createClient(Dapr, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    await assert.rejects(dapr.getState({ storeName: 's', key: 'k' }, { headers: { 'dapr-api-token': TOKEN } }),
      (e: unknown) => e instanceof ConnectError && e.code === Code.Unimplemented && e.rawMessage === 'method GetState not implemented');
  });

  it('rejects a Connect-served message over the max size with grpc-go wording', async () => {
    const dapr = createClient(Dapr, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    const req = create(SetMetadataRequestSchema, { key: 'k', value: 'v'.repeat(LIMIT + 1) });
    const n = toBinary(SetMetadataRequestSchema, req).length;
    await assert.rejects(dapr.setMetadata(req, { headers: { 'dapr-api-token': TOKEN } }),
      (e: unknown) => e instanceof ConnectError && e.code === Code.ResourceExhausted && e.rawMessage === `grpc: received message larger than max (${n} vs. ${LIMIT})`);
  });

  it('gives grpc-js clients the exact grpc-go wording for a Connect-served oversized message', async () => {
    const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const bytes = Buffer.from(toBinary(SetMetadataRequestSchema, create(SetMetadataRequestSchema, { key: 'k', value: 'v'.repeat(LIMIT * 2) })));
    try {
      await assert.rejects(new Promise((resolve, reject) => {
        raw.makeUnaryRequest('/dapr.proto.runtime.v1.Dapr/SetMetadata', (b: Buffer) => b, (b: Buffer) => b, bytes, md({ 'dapr-api-token': TOKEN }),
          (e: grpc.ServiceError | null, v?: Buffer) => (e ? reject(e) : resolve(v)));
      }), (e: grpc.ServiceError) => e.code === grpc.status.RESOURCE_EXHAUSTED && e.details === `grpc: received message larger than max (${bytes.length} vs. ${LIMIT})`);
    } finally {
      raw.close();
    }
  });
});

describe('gRPC proxy when the app is down', () => {
  it('answers UNAVAILABLE with ERR_DIRECT_INVOKE wording', async () => {
    const gone = await startEchoApp();
    const appPort = gone.port;
    await gone.close();
    const { api, port } = await startApi({
      invocation: fixedInvocation((id) => ({ kind: 'self', appId: id, namespace: 'default' })),
      appChannelGrpc: { host: '127.0.0.1', port: appPort },
    });
    const client = echoClient(port);
    try {
      await assert.rejects(unary(client, 'unary', { text: 'x' }, md({ 'dapr-app-id': 'caller' })),
        (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE && e.details.startsWith('failed to invoke, id: caller, err: '));
    } finally {
      client.close();
      await api.close();
    }
  });
});

describe('gRPC API server shutdown', () => {
  it('close(grace) completes while a proxied stream is still open, and the client sees the stream end', async () => {
    const app = await startEchoApp();
    const { api, port } = await startApi({
      invocation: fixedInvocation((id) => ({ kind: 'self', appId: id, namespace: 'default' })),
      appChannelGrpc: { host: '127.0.0.1', port: app.port },
    });
    const client = echoClient(port);
    try {
      const call = (client as unknown as { serverStream(r: object, m: grpc.Metadata): grpc.ClientReadableStream<EchoReply> }).serverStream({ text: 'long', repeat: -1 }, md({ 'dapr-app-id': 'caller' }));
      const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
      await new Promise((resolve) => call.once('data', resolve));
      await api.close(20);
      const err = await failed;
      assert.notEqual(err.code, grpc.status.OK);
      await app.cancelled;
    } finally {
      client.close();
      await app.close();
    }
  });
});
