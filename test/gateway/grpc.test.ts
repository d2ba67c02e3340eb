/**
 * gRPC through the gateway with real grpc-js clients and server: h2c listener, a cleartext
 * listener that also serves HTTP/1.1 on the same port, and TLS with ALPN h2; unary and the three
 * streaming kinds to an h2c cluster with statuses, messages and trailers preserved; gateway
 * failures (no route, upstream down, HTTP/1-only cluster, rate limit, timeout) as gRPC statuses
 * in trailers-only responses, never HTTP error bodies; a reload in the middle of a bidi stream;
 * plain HTTP/1.1 clients reaching an HTTP/2-only upstream.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { writeFileSync, rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { request } from 'undici';
import { Gateway } from '../../gateway/gateway';
import { gatewayFolder, listenLocal, startGateway } from './helpers';
import { issue, makeCa, type Issued } from './pki';
import { EchoClient, md, serverStream, startEcho, unary, type Client, type EchoReply, type EchoServer } from './grpc-echo';

let dir = '';
let file = '';
let gw: Gateway;
let echo: EchoServer;
let plain: http.Server;
let h2web: http2.Http2Server;
let closedPort = 0;
let ca: Issued;
const clients: grpc.Client[] = [];

function routes(withLimit: boolean, downCluster = 'down'): string {
  return `          routes:
            - name: hello
              match: { path: /hello }
              direct_response: { status: 200, body: "hello over http/1.1" }
            - name: h2web
              match: { prefix: /h2web/ }
              route: { cluster: h2web, prefix_rewrite: / }
${withLimit ? `            - name: limited
              match: { prefix: /outrigger.test.echo.Echo/, headers: [{ name: x-target, exact: limited }] }
              route: { cluster: echo }
              per_filter_config: { limit: { metadata: { maxRequestsPerSecond: 0.001 } } }
` : ''}            - name: down
              match: { prefix: /outrigger.test.echo.Echo/, headers: [{ name: x-target, exact: down }] }
              route: { cluster: ${downCluster} }
            - name: plain
              match: { prefix: /outrigger.test.echo.Echo/, headers: [{ name: x-target, exact: plain }] }
              route: { cluster: plain }
            - name: slow
              match: { prefix: /outrigger.test.echo.Echo/, headers: [{ name: x-target, exact: slow }] }
              route: { cluster: echo, timeout: 300ms }
            - name: echo
              match: { prefix: /outrigger.test.echo.Echo/, headers: [{ name: x-target, present: false }] }
              route: { cluster: echo, timeout: 0 }
`;
}

function config(downCluster = 'down'): string {
  return `apiVersion: outrigger.dev/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  listeners:
    - name: grpc
      address: 127.0.0.1
      port: 0
      protocol: h2c
      http_filters:
        - name: limit
          type: middleware.http.ratelimit
          metadata: { maxRequestsPerSecond: 1000 }
      virtual_hosts:
        - name: all
${routes(true, downCluster)}
    - name: mixed
      address: 127.0.0.1
      port: 0
      virtual_hosts:
        - name: all
${routes(false, downCluster)}
    - name: secure
      address: 127.0.0.1
      port: 0
      protocol: https
      tls:
        certificates: [{ server_names: ["grpc.example.test"], cert_file: grpc.crt, key_file: grpc.key }]
      virtual_hosts:
        - name: all
${routes(false, downCluster)}
  clusters:
    - name: echo
      protocol: h2c
      endpoints: ["127.0.0.1:${echo.port}"]
    - name: down
      protocol: h2c
      endpoints: ["127.0.0.1:${closedPort}"]
    - name: plain
      endpoints: ["127.0.0.1:${(plain.address() as net.AddressInfo).port}"]
    - name: h2web
      protocol: h2c
      endpoints: ["127.0.0.1:${(h2web.address() as net.AddressInfo).port}"]
`;
}

function client(listener: string): grpc.Client {
  const c = listener === 'secure'
    ? new EchoClient(`127.0.0.1:${gw.port(listener)}`, grpc.credentials.createSsl(Buffer.from(ca.cert)), { 'grpc.ssl_target_name_override': 'grpc.example.test', 'grpc.default_authority': 'grpc.example.test' })
    : new EchoClient(`127.0.0.1:${gw.port(listener)}`, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('the call succeeded');
}

before(async () => {
  ({ dir, file } = gatewayFolder('outrigger-gw-grpc-'));
  ca = makeCa(dir, 'ca');
  issue(dir, 'ca', 'grpc', 'grpc.example.test', 'DNS:grpc.example.test');
  echo = await startEcho();
  plain = http.createServer((_req, res) => res.end('http/1.1 only'));
  await listenLocal(plain);
  h2web = http2.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, version: req.httpVersion, method: req.method, body }));
    });
  });
  await listenLocal(h2web);
  const probe = net.createServer();
  closedPort = await listenLocal(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  gw = await startGateway(file, config());
});

after(async () => {
  for (const c of clients) c.close();
  await gw?.close();
  await echo?.close();
  plain?.close();
  h2web?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('unary over an h2c listener reaches the h2c cluster with a new span in the trace', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const r = await unary(client('grpc'), { text: 'hi' }, md({ traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-custom': 'kept' }));
  assert.equal(r.reply.text, 'hi');
  const seen = echo.seen.at(-1)!;
  assert.equal(seen.get('x-custom')[0], 'kept');
  const tp = String(seen.get('traceparent')[0]);
  assert.match(tp, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.notEqual(tp.split('-')[2], '00f067aa0ba902b7');
});

test('server streaming keeps every message and the final status', async () => {
  const ok = await serverStream(client('grpc'), { text: 's', repeat: 5 });
  assert.deepEqual(ok.replies.map((x) => x.text), ['s-0', 's-1', 's-2', 's-3', 's-4']);
  assert.equal(ok.status.code, grpc.status.OK);
  const failed = await serverStream(client('grpc'), { text: 'f', repeat: 2, failCode: grpc.status.ABORTED });
  assert.equal(failed.replies.length, 2);
  assert.equal(failed.status.code, grpc.status.ABORTED);
  assert.equal(failed.status.details, 'failed after stream');
});

test('an application error keeps its status, message and trailers', async () => {
  const err = await failure(unary(client('grpc'), { text: 'x', failCode: grpc.status.NOT_FOUND }));
  assert.equal(err.code, grpc.status.NOT_FOUND);
  assert.equal(err.details, 'app says no to x');
  assert.equal(err.metadata.get('x-why')[0], 'because');
});

test('client streaming and bidi streaming', async () => {
  const c = client('grpc') as Client;
  const summed = await new Promise<EchoReply>((resolve, reject) => {
    const call = c.clientStream((err: grpc.ServiceError | null, v?: EchoReply) => (err ? reject(err) : resolve(v!))) as grpc.ClientWritableStream<unknown>;
    for (const t of ['a', 'b', 'c']) call.write({ text: t });
    call.end();
  });
  assert.equal(summed.text, 'a,b,c');
  assert.equal(summed.index, 3);
  const call = c.bidi() as grpc.ClientDuplexStream<unknown, EchoReply>;
  const got: string[] = [];
  const done = new Promise<void>((resolve) => call.on('status', () => resolve()));
  call.on('data', (r: EchoReply) => got.push(r.text));
  for (const t of ['x', 'y']) call.write({ text: t });
  call.end();
  await done;
  assert.deepEqual(got, ['X', 'Y']);
});

test('the cleartext http listener serves gRPC and HTTP/1.1 on one port', async () => {
  assert.equal((await unary(client('mixed'), { text: 'sniffed' })).reply.text, 'sniffed');
  const r = await request(`http://127.0.0.1:${gw.port('mixed')}/hello`);
  assert.equal(await r.body.text(), 'hello over http/1.1');
});

test('gRPC over TLS with ALPN h2', async () => {
  assert.equal((await unary(client('secure'), { text: 'tls' })).reply.text, 'tls');
  const s = await serverStream(client('secure'), { text: 't', repeat: 3 });
  assert.equal(s.replies.length, 3);
});

test('no route is UNIMPLEMENTED as a trailers-only gRPC response', async () => {
  const err = await failure(unary(client('grpc'), { text: 'x' }, md({ 'x-target': 'nowhere' })));
  assert.equal(err.code, grpc.status.UNIMPLEMENTED);
  assert.equal(err.details, 'no route matched');
  // On the wire: HTTP 200 with grpc-status in the only HEADERS frame, no body.
  const session = http2.connect(`http://127.0.0.1:${gw.port('grpc')}`);
  try {
    const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      const st = session.request({ ':method': 'POST', ':path': '/outrigger.test.echo.Echo/Unary', 'content-type': 'application/grpc', te: 'trailers', 'x-target': 'nowhere' });
      st.on('response', resolve);
      st.on('error', reject);
      st.end();
    });
    assert.equal(head[':status'], 200);
    assert.equal(head['grpc-status'], String(grpc.status.UNIMPLEMENTED));
  } finally {
    session.close();
  }
});

test('an unreachable upstream is UNAVAILABLE; an HTTP/1-only cluster is refused as gRPC', async () => {
  const down = await failure(unary(client('grpc'), { text: 'x' }, md({ 'x-target': 'down' })));
  assert.equal(down.code, grpc.status.UNAVAILABLE);
  assert.doesNotMatch(down.details, /HTTP status/);
  const plainErr = await failure(unary(client('grpc'), { text: 'x' }, md({ 'x-target': 'plain' })));
  assert.equal(plainErr.code, grpc.status.UNIMPLEMENTED);
  assert.match(plainErr.details, /needs protocol: h2c/);
});

test('rate limiting and the route timeout answer with gRPC statuses', async () => {
  const c = client('grpc');
  await unary(c, { text: 'first' }, md({ 'x-target': 'limited' }));
  const limited = await failure(unary(c, { text: 'second' }, md({ 'x-target': 'limited' })));
  assert.equal(limited.code, grpc.status.RESOURCE_EXHAUSTED);
  const slow = await failure(unary(c, { text: 'slow' }, md({ 'x-target': 'slow' })));
  assert.equal(slow.code, grpc.status.DEADLINE_EXCEEDED);
});

test('a reload in the middle of a bidi stream: the stream continues, new calls use the new routes', async () => {
  const c = client('grpc') as Client;
  const call = c.bidi() as grpc.ClientDuplexStream<unknown, EchoReply>;
  const got: string[] = [];
  let status: grpc.StatusObject | undefined;
  const done = new Promise<void>((resolve) => call.on('status', (s: grpc.StatusObject) => { status = s; resolve(); }));
  const next = (): Promise<void> => new Promise((resolve) => call.once('data', () => resolve()));
  call.on('data', (r: EchoReply) => got.push(r.text));
  call.write({ text: 'before' });
  await next();
  writeFileSync(file, config('echo'));
  assert.equal((await gw.reload()).ok, true);
  call.write({ text: 'after' });
  await next();
  call.end();
  await done;
  assert.deepEqual(got, ['BEFORE', 'AFTER']);
  assert.equal(status?.code, grpc.status.OK);
  assert.equal((await unary(client('grpc'), { text: 'now routed' }, md({ 'x-target': 'down' }))).reply.text, 'now routed');
});

test('plain HTTP/1.1 clients reach an HTTP/2-only (h2c) upstream', async () => {
  const r = await request(`http://127.0.0.1:${gw.port('mixed')}/h2web/items?q=1`, { method: 'POST', body: 'payload' });
  assert.equal(r.statusCode, 200);
  assert.deepEqual(await r.body.json(), { path: '/items?q=1', version: '2.0', method: 'POST', body: 'payload' });
});
