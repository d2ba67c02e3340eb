/**
 * Captured inbound h2c/gRPC, in process over real loopback sockets (the original destination comes
 * from the test seam instead of conntrack; grpc-inbound*.test.ts use the real one in network
 * namespaces). A caller outside the mesh reaches the app's port through the inbound capture
 * listener, whose HTTP/2 streams run the sidecar's inbound filters as built by runtime/chains.ts
 * (telemetry, access control) with no caller identity, then reach an HTTP/2 "app" that records
 * what it received and answers with trailers, trailers-only statuses, streams and resets.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { Registry } from 'prom-client';
import * as grpc from '@grpc/grpc-js';
import { createInboundCapture } from '../../proxy/capture/inbound-capture';
import { createInboundH2Handler } from '../../proxy/capture/inbound-h2';
import { buildChains, type Chains } from '../../runtime/chains';
import { configurationSchema } from '../../config/schemas/configuration';
import { silentLogger } from '../../observability/logger';
import { ORDERS_SERVICE } from './fixtures/orders-grpc-service';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR } = http2.constants;

interface Seen { path: string; headers: http2.IncomingHttpHeaders }
const seen: Seen[] = [];
const cancelled: string[] = [];
let app: http2.Http2Server;
let appPort = 0;

const frame = (v: unknown): Buffer => {
  const payload = Buffer.from(JSON.stringify(v));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

/** The app: an HTTP/2 server speaking gRPC's wire format with JSON messages. */
function startApp(): Promise<void> {
  app = http2.createServer();
  app.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    seen.push({ path, headers });
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    if (!String(headers['content-type'] ?? '').startsWith('application/grpc')) {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-app-path': path });
      stream.end('plain');
      return;
    }
    const grpcHeaders = { ':status': 200, 'content-type': 'application/grpc' };
    switch (path) {
      case '/orders.Orders/Get':
        stream.on('end', () => {
          stream.respond(grpcHeaders, { waitForTrailers: true });
          stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-trailer': 'kept' }));
          stream.end(frame({ id: 'o-1', servedBy: 'orders', metadata: headers }));
        });
        return;
      case '/orders.Orders/Watch':
        stream.on('end', () => {
          stream.respond(grpcHeaders, { waitForTrailers: true });
          stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          for (let seq = 0; seq < 3; seq++) stream.write(frame({ seq, servedBy: 'orders' }));
          stream.end();
        });
        return;
      case '/orders.Orders/Missing': // trailers-only: the status in the one HEADERS frame
        stream.respond({ ...grpcHeaders, 'grpc-status': '5', 'grpc-message': 'no such order' }, { endStream: true });
        return;
      case '/orders.Orders/Reset': // one message, then RST_STREAM(INTERNAL_ERROR) without END_STREAM
        stream.respond(grpcHeaders);
        stream.write(frame({ seq: 0 }), () => setImmediate(() => stream.destroy(new Error('app gives up'))));
        return;
      case '/orders.Orders/Refuse': // while the caller still sends: END_STREAM, then RST_STREAM(ENHANCE_YOUR_CALM)
        stream.respond(grpcHeaders);
        stream.write(frame({ seq: 0 }), () => setImmediate(() => stream.close(NGHTTP2_ENHANCE_YOUR_CALM)));
        return;
      case '/orders.Orders/Hold': // never ends: the caller cancels
        stream.respond(grpcHeaders);
        stream.write(frame({ held: true }));
        stream.once('close', () => { if (stream.rstCode === NGHTTP2_CANCEL) cancelled.push(path); });
        return;
      default:
        stream.respond({ ...grpcHeaders, 'grpc-status': '12' }, { endStream: true });
    }
  });
  return new Promise((r) => app.listen(0, '127.0.0.1', () => {
    appPort = (app.address() as net.AddressInfo).port;
    r();
  }));
}

interface Capture { port: number; registry: Registry; chains: Chains; close(): Promise<void> }

/** An inbound capture listener whose filters come from a Configuration with `accessControl`. */
async function startCapture(accessControl: unknown): Promise<Capture> {
  const cfg = configurationSchema.parse({ apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration', metadata: { name: 'c' }, spec: { tracing: { samplingRate: '1' }, accessControl } });
  const registry = new Registry();
  const chains = buildChains({ appId: 'orders', namespace: 'default', logger: silentLogger, configuration: cfg, resiliencies: [], middleware: () => undefined, metrics: registry, appProtocol: 'grpc' });
  const capture = createInboundCapture({
    addresses: [{ host: '127.0.0.1' }], port: 0, logger: silentLogger, maxHeaderSize: 16384, sniffTimeoutMs: 1000,
    httpPorts: [appPort], onHttp: () => assert.fail('no HTTP/1.1 in this test'), selfPorts: [],
    onH2: createInboundH2Handler({ appId: 'orders', filters: chains.inboundFilters, logger: silentLogger, appApiToken: 'app-secret' }),
    originalDst: async () => ({ ok: true, dst: { host: '127.0.0.1', port: appPort } }),
  });
  const { port } = await capture.start();
  return { port, registry, chains, close: async () => { await capture.close(100); await chains.close(); } };
}

const ACL_ALLOW = { defaultAction: 'allow', trustDomain: 'public', policies: [{ appId: 'checkout', defaultAction: 'allow', namespace: 'default', operations: [{ name: '/orders.Orders/Admin', httpVerb: ['*'], action: 'deny' }] }] };
const ACL_DENY = { defaultAction: 'deny', trustDomain: 'public', policies: [{ appId: 'checkout', defaultAction: 'allow', namespace: 'default', operations: [] }] };

let open: Capture;
let closed: Capture;

before(async () => {
  await startApp();
  open = await startCapture(ACL_ALLOW);
  closed = await startCapture(ACL_DENY);
});

after(async () => {
  await Promise.all([open?.close(), closed?.close()]);
  await new Promise<void>((r) => app.close(() => r()));
});

type Rec = Record<string, unknown>;
const clientFor = (port: number): Record<string, (...args: unknown[]) => unknown> & grpc.Client => {
  const Client = grpc.makeGenericClientConstructor(ORDERS_SERVICE, 'Orders');
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (...args: unknown[]) => unknown> & grpc.Client;
};

function unary(port: number, method: 'Get' | 'Admin', md: Record<string, string> = {}): Promise<{ value?: Rec; err?: grpc.ServiceError }> {
  const c = clientFor(port);
  const meta = new grpc.Metadata();
  for (const [k, v] of Object.entries(md)) meta.set(k, v);
  return new Promise((resolve) => {
    c[method]!({ id: 'o-1' }, meta, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, value: Rec) => {
      c.close();
      resolve(err ? { err } : { value });
    });
  });
}

function lastSeen(path: string): Seen {
  const s = [...seen].reverse().find((x) => x.path === path);
  assert.ok(s, `the app never received ${path}`);
  return s;
}

async function metric(c: Capture, name: string): Promise<number> {
  const text = await c.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

interface RawReply { headers: http2.IncomingHttpHeaders; flags: number; trailers?: http2.IncomingHttpHeaders; data: Buffer; rstCode: number }

function raw(port: number, path: string, headers: http2.OutgoingHttpHeaders = {}, opts: { cancelAfterData?: boolean; keepSending?: boolean } = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const s = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let reply: RawReply = { headers: {}, flags: 0, data: Buffer.alloc(0), rstCode: 0 };
    s.on('response', (h, flags) => { reply = { ...reply, headers: h, flags }; });
    s.on('trailers', (t) => { reply.trailers = t; });
    s.on('data', (d: Buffer) => {
      reply.data = Buffer.concat([reply.data, d]);
      if (opts.cancelAfterData) s.close(NGHTTP2_CANCEL);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      reply.rstCode = s.rstCode ?? 0;
      session.close();
      resolve(reply);
    });
    if (opts.keepSending) s.write(frame({ id: 'o-1' }));
    else s.end(frame({ id: 'o-1' }));
  });
}

test('unary gRPC from outside the mesh reaches the app through the inbound filters, with a new trace context', async () => {
  const recvBefore = await metric(open, 'dapr_runtime_service_invocation_req_recv_total');
  const r = await unary(open.port, 'Get');
  assert.equal(r.err, undefined, r.err?.message);
  assert.equal(r.value?.servedBy, 'orders');
  const h = lastSeen('/orders.Orders/Get').headers;
  assert.match(String(h.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(h['dapr-api-token'], 'app-secret', 'APP_API_TOKEN reaches the app');
  assert.equal(h['x-forwarded-for'], '127.0.0.1');
  assert.equal(h['dapr-caller-app-id'], undefined, 'no caller identity is invented');
  assert.equal(await metric(open, 'dapr_runtime_service_invocation_req_recv_total'), recvBefore + 1);
  assert.ok(await metric(open, 'dapr_runtime_acl_global_policy_action_allowed_total') >= 1, 'access control decided by the global action');
});

test('an incoming traceparent keeps its trace id and gets a new parent span id', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
  const r = await unary(open.port, 'Get', { traceparent: incoming });
  assert.equal(r.err, undefined);
  const tp = String(lastSeen('/orders.Orders/Get').headers.traceparent);
  assert.equal(tp.split('-')[1], traceId);
  assert.notEqual(tp, incoming);
});

test('caller claims and tokens sent by an outside client never reach the app', async () => {
  const r = await unary(open.port, 'Get', { 'dapr-caller-app-id': 'checkout', 'dapr-caller-namespace': 'default', 'dapr-api-token': 'guess', 'dapr-app-id': 'x' });
  assert.equal(r.err, undefined);
  const h = lastSeen('/orders.Orders/Get').headers;
  assert.equal(h['dapr-caller-app-id'], undefined);
  assert.equal(h['dapr-caller-namespace'], undefined);
  assert.equal(h['dapr-app-id'], undefined);
  assert.equal(h['dapr-api-token'], 'app-secret');
});

test('an app policy for a mesh caller does not apply to an identity-less caller: the global action does', async () => {
  // Admin is denied to checkout only; the outside caller gets defaultAction allow, even claiming to be checkout.
  const r = await unary(open.port, 'Admin', { 'dapr-caller-app-id': 'checkout' });
  assert.equal(r.err?.code, grpc.status.UNIMPLEMENTED, 'reached the app (which has no Admin)');
});

test('denied by the global defaultAction: PERMISSION_DENIED with Dapr\'s message, the app is not called', async () => {
  const before = seen.length;
  const blockedBefore = await metric(closed, 'dapr_runtime_acl_global_policy_action_blocked_total');
  const r = await unary(closed.port, 'Get', { 'dapr-caller-app-id': 'checkout' });
  assert.equal(r.err?.code, grpc.status.PERMISSION_DENIED, r.err?.message);
  assert.match(r.err?.details ?? '', /^access control policy has denied access to id: <unknown> operation: \/orders\.Orders\/Get/);
  assert.equal(seen.length, before, 'a denied call must not reach the app');
  assert.equal(await metric(closed, 'dapr_runtime_acl_global_policy_action_blocked_total'), blockedBefore + 1);
});

test('server streaming: every message, then the app\'s trailers', async () => {
  const r = await raw(open.port, '/orders.Orders/Watch');
  assert.equal(r.headers[':status'], 200);
  assert.equal(r.trailers?.['grpc-status'], '0');
  const seqs: number[] = [];
  for (let at = 0; at < r.data.length;) {
    const len = r.data.readUInt32BE(at + 1);
    seqs.push((JSON.parse(r.data.subarray(at + 5, at + 5 + len).toString()) as { seq: number }).seq);
    at += 5 + len;
  }
  assert.deepEqual(seqs, [0, 1, 2]);
  const unaryReply = await raw(open.port, '/orders.Orders/Get');
  assert.equal(unaryReply.trailers?.['x-trailer'], 'kept', 'custom trailers cross unchanged');
});

test('a trailers-only answer of the app stays trailers-only', async () => {
  const r = await raw(open.port, '/orders.Orders/Missing');
  assert.ok(r.flags & http2.constants.NGHTTP2_FLAG_END_STREAM, 'the status came in the one HEADERS frame');
  assert.equal(r.headers['grpc-status'], '5');
  assert.equal(r.headers['grpc-message'], 'no such order');
  assert.equal(r.trailers, undefined);
});

test('a reset by the app resets the caller\'s stream (never a clean end without a status)', async () => {
  const r = await raw(open.port, '/orders.Orders/Reset');
  assert.equal(r.headers[':status'], 200);
  assert.equal(r.rstCode, NGHTTP2_INTERNAL_ERROR);
  assert.equal(r.trailers, undefined);
});

test('a reset by the app while the caller still sends keeps its code', async () => {
  const r = await raw(open.port, '/orders.Orders/Refuse', {}, { keepSending: true });
  assert.equal(r.headers[':status'], 200);
  assert.equal(r.rstCode, NGHTTP2_ENHANCE_YOUR_CALM);
});

test('a caller that cancels cancels the app\'s stream', async () => {
  const before = cancelled.length;
  const r = await raw(open.port, '/orders.Orders/Hold', {}, { cancelAfterData: true });
  assert.equal(r.rstCode, NGHTTP2_CANCEL);
  for (let i = 0; i < 100 && cancelled.length === before; i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(cancelled.length, before + 1, 'the app saw the cancellation');
});

test('HTTP/2 that is not gRPC: normalised path to the app, Dapr JSON 403 when denied', async () => {
  const get = (port: number, path: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> => new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const s = session.request({ ':method': 'GET', ':path': path });
    let body = '';
    let headers: http2.IncomingHttpHeaders = {};
    s.on('response', (h) => { headers = h; });
    s.setEncoding('utf8');
    s.on('data', (d: string) => { body += d; });
    s.on('end', () => { session.close(); resolve({ status: Number(headers[':status']), headers, body }); });
    s.on('error', reject);
  });
  const ok = await get(open.port, '/a/../hello?x=1');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-app-path'], '/hello?x=1');
  const denied = await get(closed.port, '/hello');
  assert.equal(denied.status, 403);
  assert.equal((JSON.parse(denied.body) as { errorCode: string }).errorCode, 'ERR_DIRECT_INVOKE');
});
