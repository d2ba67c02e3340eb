/**
 * The outbound capture listener's HTTP/2 (h2c) handling, in process over real loopback sockets:
 * the original destination comes from the test seam instead of conntrack (the netns tests use the
 * real one). One client connection carries streams for different authorities; each is routed on
 * its own.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { createOutboundCapture } from '../../proxy/capture/outbound-capture';
import { startTransparentCapture } from '../../proxy/capture/transparent';
import { classify, H2_PREFACE } from '../../proxy/capture/sniff';
import { silentLogger } from '../../observability/logger';
import { UpstreamPools } from '../../proxy/upstream/pools';

let origin: http2.Http2Server;
let originPort = 0;
let capture: ReturnType<typeof createOutboundCapture>;
let capturePort = 0;
const invoked: { appId: string; path: string; authority: string | undefined }[] = [];

before(async () => {
  // The "original destination": echoes the request, and ends gRPC calls with trailers.
  origin = http2.createServer();
  origin.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const grpc = String(headers['content-type'] ?? '').startsWith('application/grpc');
      stream.respond({ ':status': 200, 'x-served-by': 'origin', 'x-authority': String(headers[':authority']), 'content-type': String(headers['content-type'] ?? 'text/plain') }, { waitForTrailers: grpc });
      if (grpc) stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-trailer': 'kept' }));
      stream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originPort = (origin.address() as net.AddressInfo).port;
  capture = createOutboundCapture({
    addresses: [{ host: '127.0.0.1' }], port: 0, logger: silentLogger, maxHeaderSize: 16384, sniffTimeoutMs: 1000,
    pools: new UpstreamPools({}), invoke: () => assert.fail('no HTTP/1.1 in this test'), selfPorts: [],
    isMeshApp: async (id) => id === 'orders' || id === 'orders.default',
    invokeGrpc: (req, res, appId) => {
      invoked.push({ appId, path: req.url, authority: req.headers[':authority'] });
      res.stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0', 'x-routed-to': appId }, { endStream: true });
    },
    originalDst: async () => ({ ok: true, dst: { host: '127.0.0.1', port: originPort } }),
  });
  capturePort = (await capture.start()).port;
});

after(async () => {
  await capture.close(100);
  await new Promise<void>((r) => origin.close(() => r()));
});

interface Reply { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders | undefined; body: string }

function call(session: http2.ClientHttp2Session, authority: string, contentType: string, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':method': 'POST', ':path': '/orders.Orders/Get', ':authority': authority, 'content-type': contentType, te: 'trailers' });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    s.on('response', (h) => { headers = h; });
    s.on('trailers', (t) => { trailers = t; });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks).toString() }));
    s.on('error', reject);
    s.end(body);
  });
}

test('h2c: each gRPC stream on one connection is routed by its own :authority', async () => {
  const session = http2.connect(`http://127.0.0.1:${capturePort}`);
  try {
    const [mesh, other, meshAgain] = await Promise.all([
      call(session, 'orders:9000', 'application/grpc', 'a'),
      call(session, 'payments.example:9000', 'application/grpc', 'to-origin'),
      call(session, 'orders.default.svc.cluster.local:9000', 'application/grpc+proto', 'b'),
    ]);
    assert.equal(mesh.headers['x-routed-to'], 'orders');
    assert.equal(meshAgain.headers['x-routed-to'], 'orders.default');
    assert.deepEqual(invoked.map((i) => i.appId).sort(), ['orders', 'orders.default']);
    // Not a mesh app: relayed unchanged to the original destination, trailers included.
    assert.equal(other.headers['x-served-by'], 'origin');
    assert.equal(other.headers['x-authority'], 'payments.example:9000');
    assert.equal(other.body, 'to-origin');
    assert.equal(other.trailers?.['grpc-status'], '0');
    assert.equal(other.trailers?.['x-trailer'], 'kept');
  } finally {
    session.close();
  }
});

test('h2c that is not gRPC keeps its original destination even for a mesh name', async () => {
  const before = invoked.length;
  const session = http2.connect(`http://127.0.0.1:${capturePort}`);
  try {
    const r = await call(session, 'orders', 'text/plain', 'plain h2c');
    assert.equal(r.headers[':status'], 200);
    assert.equal(r.headers['x-served-by'], 'origin');
    assert.equal(r.body, 'plain h2c');
    assert.equal(invoked.length, before);
  } finally {
    session.close();
  }
});

test('sniffing tells the HTTP/2 preface from HTTP/1.1, TLS and other bytes', () => {
  assert.equal(classify(Buffer.from(H2_PREFACE)), 'h2');
  assert.equal(classify(Buffer.from('PRI * HTTP/2')), 'h2'); // a short first read
  assert.equal(classify(Buffer.from('PRI * HTTP/1.1\r\n')), 'other');
  assert.equal(classify(Buffer.from('POST /x HTTP/1.1\r\n')), 'http1');
  assert.equal(classify(Buffer.from([0x16, 0x03, 0x01, 0x00])), 'tls');
  assert.equal(classify(Buffer.from('\x00\x00\x00\x01binary')), 'other');
});

test('the outbound listener accepts on both loopbacks with one port and says so', async () => {
  const t = await startTransparentCapture({
    outboundPort: 0, inboundPort: 0, logger: silentLogger, pools: new UpstreamPools({}), maxHeaderSize: 16384,
    invoke: () => undefined, invokeGrpc: () => undefined, isMeshApp: async () => false, appHttpPorts: [3000], onInboundHttp: () => undefined,
  });
  try {
    assert.ok(t.outboundBound.includes('127.0.0.1'));
    // Where this machine has IPv6 loopback, ::1 is bound with the same port (REDIRECT's IPv6 target).
    const v6 = await new Promise<boolean>((resolve) => {
      const s = net.connect(t.outboundPort, '::1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    assert.equal(v6, t.outboundBound.includes('::1'));
    assert.match(t.summary, new RegExp(`outbound on 127\\.0\\.0\\.1:${t.outboundPort}`));
    assert.match(t.summary, /gRPC \(h2c\) by :authority/);
    assert.match(t.summary, /inbound on .*HTTP\/1\.1 to app port 3000 runs the inbound chain/);
  } finally {
    await t.close(0);
  }
});
