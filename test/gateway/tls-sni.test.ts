/**
 * The gateway's https listener with real TLS clients: a certificate per SNI name (exact and
 * wildcard) and a default one, ALPN h2 and http/1.1, routing by virtual host, client
 * certificates whose SPIFFE id rbac checks, certificates swapped by a hot reload while an open
 * connection keeps working, and a certificate/key mismatch refused with file and field.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import tls from 'node:tls';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Gateway } from '../../gateway/gateway';
import { gatewayFolder, listenLocal, startGateway } from './helpers';
import { issue, makeCa, type Issued } from './pki';

let dir = '';
let file = '';
let gw: Gateway;
let upstream: http.Server;
let upstreamPort = 0;
let serverCa: Issued;
const client: Record<string, Issued> = {};

function config(opts: { aCert?: string; aKey?: string } = {}): string {
  return `apiVersion: outrigger.dev/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  listeners:
    - name: secure
      address: 127.0.0.1
      port: 0
      protocol: https
      tls:
        certificates:
          - { server_names: ["default.example.test"], cert_file: default.crt, key_file: default.key }
          - { server_names: ["a.example.test"], cert_file: ${opts.aCert ?? 'a.crt'}, key_file: ${opts.aKey ?? 'a.key'} }
          - { server_names: ["*.b.example.test"], cert_file: wild-b.crt, key_file: wild-b.key }
        client_validation: { ca_file: client-ca.crt, require: false }
      http_filters:
        - name: mesh-only
          type: rbac
          rbac:
            default_action: allow
            policies:
              - name: ops-may-admin
                action: allow
                match:
                  paths: [{ prefix: /admin }]
                  spiffe_ids: [{ prefix: "spiffe://example.org/ns/ops/" }]
              - name: others-may-not
                action: deny
                match: { paths: [{ prefix: /admin }] }
      virtual_hosts:
        - name: a
          domains: ["a.example.test"]
          routes:
            - match: { prefix: /up }
              route: { cluster: web }
            - match: { prefix: / }
              direct_response: { status: 200, body: "vhost a" }
        - name: b
          domains: ["*.b.example.test"]
          routes:
            - match: { prefix: / }
              direct_response: { status: 200, body: "vhost b" }
        - name: rest
          domains: ["*"]
          routes:
            - match: { prefix: / }
              direct_response: { status: 200, body: "vhost default" }
  clusters:
    - name: web
      endpoints: ["127.0.0.1:${upstreamPort}"]
`;
}

interface TlsAnswer { status: number; body: string; cn: string; alpn: string | false | null; headers: http.IncomingHttpHeaders }

function getH1(servername: string | undefined, p: string, cert?: Issued): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions & tls.ConnectionOptions = {
      host: '127.0.0.1', port: gw.port('secure'), path: p, agent: false, ca: serverCa.cert, ALPNProtocols: ['http/1.1'],
      ...(servername ? { servername, headers: { host: servername } } : { checkServerIdentity: () => undefined }),
      ...(cert ? { cert: cert.cert, key: cert.key } : {}),
    };
    const req = https.request(options, (res) => {
      const socket = res.socket as tls.TLSSocket;
      const cn = String(socket.getPeerCertificate().subject?.CN ?? '');
      const alpn = socket.alpnProtocol;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cn, alpn, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function h2Session(servername: string, cert?: Issued): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(`https://127.0.0.1:${gw.port('secure')}`, { servername, ca: serverCa.cert, ...(cert ? { cert: cert.cert, key: cert.key } : {}) });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function h2Get(s: http2.ClientHttp2Session, authority: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const st = s.request({ ':path': p, ':authority': authority });
    let status = 0;
    let body = '';
    st.on('response', (h) => { status = Number(h[':status']); });
    st.setEncoding('utf8');
    st.on('data', (c: string) => { body += c; });
    st.on('end', () => resolve({ status, body }));
    st.on('error', reject);
    st.end();
  });
}

before(async () => {
  ({ dir, file } = gatewayFolder('outrigger-gw-tls-'));
  serverCa = makeCa(dir, 'server-ca');
  issue(dir, 'server-ca', 'default', 'default.example.test', 'DNS:default.example.test');
  issue(dir, 'server-ca', 'a', 'a.example.test', 'DNS:a.example.test');
  issue(dir, 'server-ca', 'a2', 'a.example.test (rotated)', 'DNS:a.example.test');
  issue(dir, 'server-ca', 'wild-b', 'wildcard b', 'DNS:*.b.example.test');
  makeCa(dir, 'client-ca');
  makeCa(dir, 'rogue-ca');
  client.ops = issue(dir, 'client-ca', 'ops', 'ops', 'URI:spiffe://example.org/ns/ops/console', 'clientAuth');
  client.shop = issue(dir, 'client-ca', 'shop', 'shop', 'URI:spiffe://example.org/ns/shop/cart', 'clientAuth');
  client.rogue = issue(dir, 'rogue-ca', 'rogue', 'rogue', 'URI:spiffe://example.org/ns/ops/console', 'clientAuth');
  upstream = http.createServer((req, res) => res.end(JSON.stringify({ url: req.url, proto: req.headers['x-forwarded-proto'], host: req.headers.host })));
  upstreamPort = await listenLocal(upstream);
  gw = await startGateway(file, config());
});

after(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('each SNI name gets its certificate, unknown names and no SNI get the default', async () => {
  const a = await getH1('a.example.test', '/');
  assert.equal(a.cn, 'a.example.test');
  assert.equal(a.body, 'vhost a');
  const b = await getH1('x.b.example.test', '/');
  assert.equal(b.cn, 'wildcard b');
  assert.equal(b.body, 'vhost b');
  const other = await getH1('default.example.test', '/');
  assert.equal(other.cn, 'default.example.test');
  assert.equal(other.body, 'vhost default');
  // A wildcard covers one label only: y.x.b.example.test falls back to the default certificate.
  const deep = await getH1(undefined, '/');
  assert.equal(deep.cn, 'default.example.test');
  await assert.rejects(getH1('y.x.b.example.test', '/'), /altnames|does not match|Hostname/i);
});

test('HTTP/1.1 and ALPN h2 both route to the upstream over TLS', async () => {
  const h1 = await getH1('a.example.test', '/up/items?x=1');
  assert.equal(h1.alpn, 'http/1.1');
  assert.deepEqual(JSON.parse(h1.body), { url: '/up/items?x=1', proto: 'https', host: 'a.example.test' });
  const s = await h2Session('a.example.test');
  try {
    assert.equal((s.socket as tls.TLSSocket).alpnProtocol, 'h2');
    assert.equal((s.socket as tls.TLSSocket).getPeerCertificate().subject.CN, 'a.example.test');
    const r = await h2Get(s, 'a.example.test', '/up/h2');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { url: '/up/h2', proto: 'https', host: 'a.example.test' });
  } finally {
    s.close();
  }
});

test('rbac allows /admin only to a verified client certificate with the ops SPIFFE id', async () => {
  assert.equal((await getH1('a.example.test', '/admin')).status, 403);
  assert.equal((await getH1('a.example.test', '/admin', client.shop)).status, 403);
  const denied = await getH1('a.example.test', '/admin', client.rogue); // right id, untrusted CA
  assert.equal(denied.status, 403);
  assert.match(denied.body, /ERR_GATEWAY_ACCESS_DENIED/);
  const ok = await getH1('a.example.test', '/admin', client.ops);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'vhost a');
  const s = await h2Session('a.example.test', client.ops);
  try {
    assert.equal((await h2Get(s, 'a.example.test', '/admin')).status, 200);
  } finally {
    s.close();
  }
  assert.equal((await getH1('a.example.test', '/public')).status, 200);
});

test('a reload swaps certificates for new connections; an open connection keeps working', async () => {
  const open = await h2Session('a.example.test');
  try {
    writeFileSync(file, config({ aCert: 'a2.crt', aKey: 'a2.key' }));
    assert.equal((await gw.reload()).ok, true);
    assert.equal((await getH1('a.example.test', '/')).cn, 'a.example.test (rotated)');
    assert.equal((open.socket as tls.TLSSocket).getPeerCertificate().subject.CN, 'a.example.test');
    assert.equal((await h2Get(open, 'a.example.test', '/')).body, 'vhost a');
  } finally {
    open.close();
  }
});

test('a certificate with the wrong key is refused with file and field; the last good config serves', async () => {
  const version = gw.version;
  writeFileSync(file, config({ aCert: 'a.crt', aKey: 'wild-b.key' }));
  const r = await gw.reload();
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = r.issues.map((i) => `${path.basename(i.file)}: ${i.path}: ${i.message}`).join('\n');
  assert.match(text, /gateway\.yaml: spec\.listeners\[0\]\.tls\.certificates\[1\]: certificate and key do not load as a pair/);
  assert.equal(gw.version, version);
  assert.equal((await getH1('a.example.test', '/')).cn, 'a.example.test (rotated)');
});
