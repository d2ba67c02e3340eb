/**
 * An upstream that resets a gRPC stream after its response headers: the RST_STREAM code must reach
 * the caller through both relays (API server -> internal listener -> app), so grpc-js maps it to
 * the same status it would have mapped talking to the app directly, never to INTERNAL
 * "upstream ended the stream without trailers". Covers a pure reset (the app answered with
 * waitForTrailers), a reset right behind an END_STREAM without trailers (Node's close(code) on a
 * stream answered without waitForTrailers), on unary calls and while the client still streams.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { GrpcApiServer } from '../../proxy/grpc/grpc-api-server';
import { handleInternalGrpc } from '../../proxy/grpc/internal-grpc';
import { UpstreamSessions } from '../../proxy/grpc/upstream-sessions';
import { echoClient, fixedInvocation, listen, md, silentLogger, startApi, unary, type EchoReply } from './helpers';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL } = http2.constants;

/** A length-prefixed EchoReply{text}. */
function echoReply(text: string): Buffer {
  const body = Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(text)]), Buffer.from(text)]);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/**
 * A raw HTTP/2 "gRPC app" that answers headers and one message, then resets the stream with the
 * code in `x-reset-code`; `x-reset-style: end-first` answers without waitForTrailers, so Node sends
 * END_STREAM (no trailers) right before the RST_STREAM.
 */
async function startResettingApp(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const code = Number(headers['x-reset-code']);
    const endFirst = headers['x-reset-style'] === 'end-first';
    const streaming = String(headers[':path']).endsWith('/Bidi');
    stream.on('error', () => undefined);
    const answer = (): void => {
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, endFirst ? {} : { waitForTrailers: true });
      stream.write(echoReply('partial'));
      stream.close(code);
    };
    // Unary: reset once the request is in. Streaming: reset on the first message, request still open.
    if (streaming) stream.once('data', answer);
    else {
      stream.on('data', () => undefined);
      stream.on('end', answer);
    }
  });
  const port = await listen(server);
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('an upstream RST_STREAM after response headers, through two relays', () => {
  let app: { port: number; close(): Promise<void> };
  let internal: http2.Http2Server;
  let api: GrpcApiServer;
  let client: grpc.Client;
  const sessions = new UpstreamSessions(silentLogger);

  before(async () => {
    app = await startResettingApp();
    internal = http2.createServer((req, res) => handleInternalGrpc(req, res, {
      appId: 'callee', namespace: 'default', logger: silentLogger, sessions,
      appChannelGrpc: { host: '127.0.0.1', port: app.port },
    }));
    const internalPort = await listen(internal);
    let port: number;
    ({ api, port } = await startApi({
      invocation: fixedInvocation((id) => ({ kind: 'remote', appId: id, namespace: 'default', endpoint: { host: '127.0.0.1', port: internalPort, appId: id } })),
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

  const meta = (code: number, style?: 'end-first'): grpc.Metadata =>
    md({ 'dapr-app-id': 'callee', 'x-reset-code': String(code), ...(style ? { 'x-reset-style': style } : {}) });

  /** A bidi call that sends one message and never half-closes; resolves the final status. */
  const bidiStatus = (m: grpc.Metadata): Promise<grpc.StatusObject> => new Promise((resolve) => {
    const call = (client as unknown as { bidi(m: grpc.Metadata): grpc.ClientDuplexStream<object, EchoReply> }).bidi(m);
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', resolve);
    call.write({ text: 'hi' });
  });

  it('unary: ENHANCE_YOUR_CALM after the headers reaches the client as RESOURCE_EXHAUSTED', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'x' }, meta(NGHTTP2_ENHANCE_YOUR_CALM)),
      (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED, `${e.code} ${e.details}`);
        return true;
      });
  });

  it('streaming: REFUSED_STREAM while the client still sends reaches it as UNAVAILABLE', async () => {
    const s = await bidiStatus(meta(NGHTTP2_REFUSED_STREAM));
    assert.equal(s.code, grpc.status.UNAVAILABLE, `${s.code} ${s.details}`);
  });

  it('streaming: CANCEL while the client still sends reaches it as CANCELLED', async () => {
    const s = await bidiStatus(meta(NGHTTP2_CANCEL));
    assert.equal(s.code, grpc.status.CANCELLED, `${s.code} ${s.details}`);
  });

  it('streaming: a reset right behind an END_STREAM without trailers still reaches the client with its code', async () => {
    const s = await bidiStatus(meta(NGHTTP2_ENHANCE_YOUR_CALM, 'end-first'));
    assert.equal(s.code, grpc.status.RESOURCE_EXHAUSTED, `${s.code} ${s.details}`);
    const c = await bidiStatus(meta(NGHTTP2_CANCEL, 'end-first'));
    assert.equal(c.code, grpc.status.CANCELLED, `${c.code} ${c.details}`);
  });
});
