/**
 * The gateway's filter chain against a real upstream and a JWKS the test serves: jwt_authn
 * (missing, forged, expired, wrong audience tokens; claims forwarded, forged claim headers
 * dropped), rbac on method, path, header and JWT claims, per-route filter overrides, the shared
 * rate limit filter, trace context propagation, and the admin listener (ready, Prometheus stats,
 * redacted config dump, draining). Bad filter configs are refused with file and field.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { Gateway } from '../../gateway/gateway';
import { parseGatewayText } from '../../gateway/load';
import { gatewayFolder, listenLocal, startGateway } from './helpers';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type Key = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

let jose: Jose;
let signingKey: Key;
let strangerKey: Key;
let dir = '';
let file = '';
let gw: Gateway;
let upstream: http.Server;
let jwks: http.Server;
let upstreamPort = 0;
let jwksPort = 0;
let jwksFetches = 0;
interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders }
let last: Seen | undefined;
let releaseSlow: (() => void) | undefined;

function config(): string {
  return `apiVersion: outrigger.dev/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  drain_timeout: 5s
  tracing: { samplingRate: "1" }
  admin: { address: 127.0.0.1, port: 0 }
  listeners:
    - name: public
      address: 127.0.0.1
      port: 0
      http_filters:
        - name: limit
          type: middleware.http.ratelimit
          metadata: { maxRequestsPerSecond: 1000 }
        - name: jwt
          type: jwt_authn
          jwt_authn:
            issuer: https://issuer.example.test
            audiences: [api]
            remote_jwks: { uri: "http://127.0.0.1:${jwksPort}/jwks.json", cache_duration: 5m }
            forward_payload_header: x-jwt-payload
            claim_to_headers: [{ claim: sub, header: x-user }, { claim: org.id, header: x-org }]
        - name: authz
          type: rbac
          rbac:
            default_action: deny
            policies:
              - name: no-deletes
                action: deny
                match: { methods: [DELETE] }
              - name: admins
                action: allow
                match:
                  paths: [{ prefix: /admin }]
                  jwt_claims: [{ name: roles, exact: admin }]
              - name: orders-for-members
                action: allow
                match:
                  paths: [{ prefix: /orders }]
                  headers: [{ name: x-tenant, present: true }]
                  source_ips: ["127.0.0.0/8", "::1"]
      virtual_hosts:
        - name: all
          routes:
            - name: public
              match: { prefix: /public }
              route: { cluster: web }
              per_filter_config: { jwt: { disabled: true }, authz: { disabled: true } }
            - name: limited
              match: { prefix: /limited }
              route: { cluster: web }
              per_filter_config:
                limit: { metadata: { maxRequestsPerSecond: 0.001 } }
                jwt: { disabled: true }
                authz: { rbac: { default_action: allow } }
            - name: slow
              match: { prefix: /slow }
              route: { cluster: web, timeout: 0 }
              per_filter_config: { jwt: { disabled: true }, authz: { disabled: true } }
            - name: orders
              match: { prefix: /orders }
              route: { cluster: web }
            - name: admin
              match: { prefix: /admin }
              route: { cluster: web }
  clusters:
    - name: web
      endpoints: ["127.0.0.1:${upstreamPort}"]
    - name: billing
      dapr: { app_id: billing, sidecar: "http://127.0.0.1:3500", api_token: "s3cr3t-token" }
`;
}

async function token(claims: Record<string, unknown>, opts: { key?: Key; audience?: string; expiresIn?: string | number } = {}): Promise<string> {
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: opts.key ? 'stranger' : 'k1' })
    .setIssuer('https://issuer.example.test')
    .setAudience(opts.audience ?? 'api')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(opts.key ?? signingKey);
}

async function call(p: string, headers: Record<string, string> = {}, method: 'GET' | 'DELETE' = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const r = await request(`http://127.0.0.1:${gw.port('public')}${p}`, { method, headers });
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

async function admin(p: string): Promise<{ status: number; text: string }> {
  const r = await request(`http://127.0.0.1:${gw.adminPort}${p}`);
  return { status: r.statusCode, text: await r.body.text() };
}

before(async () => {
  jose = await import('jose');
  const pair = await jose.generateKeyPair('ES256');
  signingKey = pair.privateKey;
  strangerKey = (await jose.generateKeyPair('ES256')).privateKey;
  const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = http.createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  jwksPort = await listenLocal(jwks);
  upstream = http.createServer((req, res) => {
    last = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    if (req.url?.startsWith('/slow')) { releaseSlow = () => res.end('slow done'); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(last));
  });
  upstreamPort = await listenLocal(upstream);
  ({ dir, file } = gatewayFolder('outrigger-gw-filters-'));
  gw = await startGateway(file, config());
});

after(async () => {
  releaseSlow?.();
  await gw?.close();
  for (const s of [upstream, jwks]) { s?.closeAllConnections(); s?.close(); }
  rmSync(dir, { recursive: true, force: true });
});

test('jwt_authn refuses missing, forged, expired and wrong-audience tokens with 401', async () => {
  const missing = await call('/orders', { 'x-tenant': 't1' });
  assert.equal(missing.status, 401);
  assert.match(missing.text, /ERR_GATEWAY_JWT/);
  assert.equal(missing.headers['www-authenticate'], 'Bearer realm="gateway"');
  for (const bad of [
    await token({ sub: 'mallory' }, { key: strangerKey }),
    await token({ sub: 'late' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }),
    await token({ sub: 'elsewhere' }, { audience: 'other-api' }),
    'not-a-jwt',
  ]) {
    const r = await call('/orders', { authorization: `Bearer ${bad}`, 'x-tenant': 't1' });
    assert.equal(r.status, 401, bad);
    assert.match(String(r.headers['www-authenticate']), /invalid_token/);
  }
  assert.ok(jwksFetches >= 1);
});

test('a valid token passes; its claims are forwarded and forged claim headers are dropped', async () => {
  const jwt = await token({ sub: 'alice', org: { id: 'acme' }, roles: ['member'] });
  const r = await call('/orders/7', { authorization: `Bearer ${jwt}`, 'x-tenant': 't1', 'x-user': 'forged', 'x-jwt-payload': 'forged' });
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.text) as Seen;
  assert.equal(seen.headers['x-user'], 'alice');
  assert.equal(seen.headers['x-org'], 'acme');
  assert.equal(seen.headers.authorization, undefined);
  const payload = JSON.parse(Buffer.from(String(seen.headers['x-jwt-payload']), 'base64url').toString()) as { sub: string; aud: string };
  assert.equal(payload.sub, 'alice');
  assert.equal(payload.aud, 'api');
});

test('rbac: method, path, header and JWT claim conditions, first match wins, default deny', async () => {
  const member = `Bearer ${await token({ sub: 'bob', roles: ['member'] })}`;
  const adminTok = `Bearer ${await token({ sub: 'root', roles: ['member', 'admin'] })}`;
  const noTenant = await call('/orders', { authorization: member });
  assert.equal(noTenant.status, 403);
  assert.match(noTenant.text, /ERR_GATEWAY_ACCESS_DENIED/);
  assert.equal((await call('/orders', { authorization: member, 'x-tenant': 't' }, 'DELETE')).status, 403);
  assert.equal((await call('/admin/users', { authorization: member })).status, 403);
  assert.equal((await call('/admin/users', { authorization: adminTok })).status, 200);
  assert.equal((await call('/admin/users', { authorization: adminTok }, 'DELETE')).status, 403);
});

test('per-route overrides: filters disabled or reconfigured for one route', async () => {
  assert.equal((await call('/public/page')).status, 200);
  // limited: jwt off, rbac replaced by allow-all, and its own rate limit of one request.
  assert.equal((await call('/limited')).status, 200);
  const second = await call('/limited');
  assert.equal(second.status, 429);
  assert.match(second.text, /maximum request limit/);
  assert.equal((await call('/public/again')).status, 200); // the listener's limit is its own
});

test('trace context: the upstream sees the trace id with a new parent span id', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const r = await call('/public/trace', { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
  const tp = String((JSON.parse(r.text) as Seen).headers.traceparent);
  assert.match(tp, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.notEqual(tp.split('-')[2], 'b7ad6b7169203331');
  assert.equal(r.headers.traceparent, tp);
});

test('admin: /ready, Prometheus stats by route, cluster and status, redacted config dump', async () => {
  assert.deepEqual(await admin('/ready'), { status: 200, text: 'LIVE\n' });
  const stats = await admin('/stats/prometheus');
  assert.equal(stats.status, 200);
  const line = (re: RegExp): number => {
    const m = stats.text.split('\n').find((l) => re.test(l));
    assert.ok(m, `no line matching ${re}`);
    return Number(m.split(' ').at(-1));
  };
  assert.ok(line(/^outrigger_gateway_requests_total\{listener="public",route="orders",cluster="web",status="200",grpc_status=""\}/) >= 1);
  assert.ok(line(/^outrigger_gateway_requests_total\{listener="public",route="orders",cluster="",status="401",grpc_status=""\}/) >= 5);
  assert.ok(line(/^outrigger_gateway_upstream_request_duration_ms_count\{cluster="web",status="200"\}/) >= 1);
  assert.equal(line(/^outrigger_ratelimit_rejected_total\{middleware="limit"\}/), 1);
  assert.ok(line(/^outrigger_gateway_rbac_decisions_total\{filter="authz",policy="no-deletes",action="deny"\}/) >= 2);
  assert.ok(line(/^outrigger_gateway_rbac_decisions_total\{filter="authz",policy="default",action="deny"\}/) >= 1);
  assert.ok(line(/^outrigger_gateway_jwt_denied_total\{filter="jwt",reason="invalid"\}/) >= 3);
  assert.equal(line(/^outrigger_gateway_config_version /), 1);
  assert.equal((await admin('/metrics')).status, 200);
  const dump = JSON.parse((await admin('/config_dump')).text) as { version: number; config: { spec: { clusters: Array<{ name: string; dapr?: { api_token?: string } }> } } };
  assert.equal(dump.version, 1);
  assert.equal(dump.config.spec.clusters.find((c) => c.name === 'billing')?.dapr?.api_token, '[redacted]');
  assert.doesNotMatch(JSON.stringify(dump), /s3cr3t/);
});

test('bad filter configs are refused with file and field', () => {
  const bad = config()
    .replace('per_filter_config: { jwt: { disabled: true }, authz: { disabled: true } }', 'per_filter_config: { jwt: { disabled: true }, authx: { disabled: true } }')
    .replace('source_ips: ["127.0.0.0/8", "::1"]', 'source_ips: ["127.0.0.0/33"]')
    .replace('route: { cluster: web, timeout: 0 }', 'route: { cluster: web, timout: 0 }')
    .replace('paths: [{ prefix: /admin }]', 'paths: [{ regex: "/admin(" }]');
  const r = parseGatewayText(bad, path.join(dir, 'gateway.yaml'));
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = r.issues.map((i) => `${path.basename(i.file)}: ${i.path}: ${i.message}`).join('\n');
  assert.match(text, /gateway\.yaml: spec\.listeners\[0\]\.virtual_hosts\[0\]\.routes\[2\]\.route: .*timout/);
  const second = parseGatewayText(bad.replace('timout', 'timeout'), path.join(dir, 'gateway.yaml'));
  assert.equal(second.ok, false);
  if (second.ok) return;
  const t2 = second.issues.map((i) => `${path.basename(i.file)}: ${i.path}: ${i.message}`).join('\n');
  assert.match(t2, /routes\[0\]\.per_filter_config\.authx: no filter named "authx" on listener public/);
  assert.match(t2, /http_filters\[2\]\.rbac\.policies\[2\]\.match\.source_ips\[0\]: not an IP address or CIDR/);
  assert.match(t2, /http_filters\[2\]\.rbac\.policies\[1\]\.match\.paths\[0\]\.regex: invalid regular expression/);
  const noJwt = parseGatewayText(config().replace(/        - name: jwt\n[\s\S]*?(?=        - name: authz)/, '').replace(/jwt: \{ disabled: true \},? ?/g, ''), path.join(dir, 'gateway.yaml'));
  assert.equal(noJwt.ok, false);
  if (noJwt.ok) return;
  assert.match(noJwt.issues.map((i) => `${i.path}: ${i.message}`).join('\n'), /http_filters\[1\]\.rbac\.policies\[1\]\.match\.jwt_claims: jwt_claims need a jwt_authn filter/);
});

test('shutdown: the admin listener says DRAINING while in-flight requests finish', async () => {
  const inflight = call('/slow');
  while (!releaseSlow) await new Promise((r) => setTimeout(r, 10));
  const closing = gw.close();
  assert.deepEqual(await admin('/ready'), { status: 503, text: 'DRAINING\n' });
  releaseSlow();
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(r.text, 'slow done');
  await closing;
});
