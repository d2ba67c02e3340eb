/**
 * The standalone gateway against real upstream HTTP servers: routing (path, prefix, regex,
 * headers, query), rewrites, redirects, weighted clusters, retries, timeouts, Dapr clusters,
 * rate limiting through filters/registry.ts, and hot reload (good and bad configs).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { Gateway } from '../../gateway/gateway';
import { gatewayFolder, listenLocal, startGateway } from './helpers';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
let dir = '';
let file = '';
const servers: http.Server[] = [];
const ports: Record<string, number> = {};
let flakyCalls = 0;
let gw: Gateway;

function upstream(name: string, handler?: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
        if (handler?.(req, res, seen)) return;
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
        res.end(JSON.stringify(seen));
      });
    });
    servers.push(s);
    void listenLocal(s).then((port) => { ports[name] = port; resolve(); });
  });
}

function config(extraRoutes = '', alphaWeight = 50): string {
  return `apiVersion: outrigger.dev/v1alpha1
kind: Gateway
metadata:
  name: edge
spec:
  listeners:
    - name: public
      address: 127.0.0.1
      port: 0
      http_filters:
        - name: limit
          type: middleware.http.ratelimit
          metadata:
            maxRequestsPerSecond: 1000
      virtual_hosts:
        - name: api
          domains: ["api.example.com"]
          routes:
            - match: { prefix: / }
              direct_response: { status: 200, body: "api host" }
        - name: default
          domains: ["*"]
          routes:
${extraRoutes}            - name: exact
              match: { path: /exact }
              route: { cluster: alpha }
            - name: by-header
              match:
                prefix: /h
                headers: [{ name: x-variant, exact: beta }]
              route: { cluster: beta }
            - name: by-query
              match:
                prefix: /q
                query_parameters: [{ name: v, regex: "b.*" }]
              route: { cluster: beta }
            - name: rewrite
              match: { prefix: /api/v1/ }
              route: { cluster: alpha, prefix_rewrite: /internal/ }
            - name: regex
              match: { safe_regex: "/users/[0-9]+/profile" }
              route:
                cluster: alpha
                regex_rewrite: { pattern: "^/users/([0-9]+)/profile$", substitution: "/profiles/\\\\1" }
            - name: old
              match: { prefix: /old/ }
              redirect: { prefix_rewrite: /new/, response_code: 308 }
            - name: split
              match: { prefix: /split }
              route:
                weighted_clusters:
                  clusters: [{ name: alpha, weight: ${alphaWeight} }, { name: beta, weight: ${100 - alphaWeight} }]
            - name: flaky
              match: { prefix: /flaky }
              route:
                cluster: flaky
                retry_policy: { retry_on: 5xx, num_retries: 2 }
            - name: slow
              match: { prefix: /slow }
              route: { cluster: slow, timeout: 200ms }
            - name: dapr
              match: { prefix: /orders/ }
              route: { cluster: orders-app, prefix_rewrite: / }
            - name: fallback
              match: { prefix: / }
              route: { cluster: alpha }
  clusters:
    - name: alpha
      endpoints: ["127.0.0.1:${ports.alpha}"]
    - name: beta
      lb_policy: least_request
      endpoints: [{ address: 127.0.0.1, port: ${ports.beta} }]
    - name: flaky
      endpoints: ["127.0.0.1:${ports.flaky}"]
    - name: slow
      endpoints: ["127.0.0.1:${ports.slow}"]
    - name: orders-app
      dapr: { app_id: orders, sidecar: "http://127.0.0.1:${ports.sidecar}" }
`;
}

async function get(p: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const r = await request(`http://127.0.0.1:${gw.port('public')}${p}`, { method, headers, ...(body ? { body } : {}) });
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

before(async () => {
  await upstream('alpha');
  await upstream('beta');
  await upstream('flaky', (_req, res) => {
    if (++flakyCalls % 3 === 0) return false;
    res.writeHead(503).end('try again');
    return true;
  });
  await upstream('slow', (_req, res) => { const t = setTimeout(() => res.end('late'), 2000); res.once('close', () => clearTimeout(t)); return true; });
  await upstream('sidecar');
  ({ dir, file } = gatewayFolder('outrigger-gw-'));
  gw = await startGateway(file, config());
});

after(async () => {
  await gw?.close();
  for (const s of servers) { s.closeAllConnections(); s.close(); }
  rmSync(dir, { recursive: true, force: true });
});

test('exact path, virtual host by Host, and fallback', async () => {
  const r = await get('/exact?x=1');
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-upstream'], 'alpha');
  assert.equal((JSON.parse(r.text) as Seen).url, '/exact?x=1');
  const vh = await get('/anything', { host: 'api.example.com' });
  assert.equal(vh.text, 'api host');
});

test('header and query matches pick the cluster', async () => {
  assert.equal((await get('/h', { 'x-variant': 'beta' })).headers['x-upstream'], 'beta');
  assert.equal((await get('/h', { 'x-variant': 'alpha' })).headers['x-upstream'], 'alpha');
  assert.equal((await get('/q?v=bravo')).headers['x-upstream'], 'beta');
  assert.equal((await get('/q?v=alpha')).headers['x-upstream'], 'alpha');
});

test('prefix and regex rewrites', async () => {
  assert.equal((JSON.parse((await get('/api/v1/items?a=b')).text) as Seen).url, '/internal/items?a=b');
  assert.equal((JSON.parse((await get('/users/42/profile')).text) as Seen).url, '/profiles/42');
});

test('redirect keeps the rest of the path and the query', async () => {
  const r = await get('/old/page?k=v', { host: 'shop.example.com:8080' });
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, 'http://shop.example.com:8080/new/page?k=v');
});

test('retries a 5xx upstream until it succeeds', async () => {
  flakyCalls = 0;
  const r = await get('/flaky', {}, 'POST', 'payload');
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.text) as Seen).body, 'payload');
  assert.equal(flakyCalls, 3);
});

test('route timeout answers 504', async () => {
  const r = await get('/slow');
  assert.equal(r.status, 504);
  assert.match(r.text, /ERR_GATEWAY_TIMEOUT/);
});

test('a dapr cluster goes through the sidecar invoke API', async () => {
  const r = await get('/orders/list?x=1');
  assert.equal(r.headers['x-upstream'], 'sidecar');
  assert.equal((JSON.parse(r.text) as Seen).url, '/v1.0/invoke/orders/method/list?x=1');
});

test('a path escaping the root is refused before routing', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: gw.port('public'), path: '/a/%2e%2e/%2e%2e/x' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
  assert.equal(status, 400);
});

test('weighted clusters follow the weights', async () => {
  writeFileSync(file, config('', 100));
  assert.equal((await gw.reload()).ok, true);
  for (let i = 0; i < 10; i++) assert.equal((await get('/split')).headers['x-upstream'], 'alpha');
  writeFileSync(file, config('', 0));
  assert.equal((await gw.reload()).ok, true);
  for (let i = 0; i < 10; i++) assert.equal((await get('/split')).headers['x-upstream'], 'beta');
});

test('hot reload: new routes apply, in-flight requests finish on the old config', async () => {
  writeFileSync(file, config());
  assert.equal((await gw.reload()).ok, true);
  const inflight = get('/slow'); // old config: 200ms timeout -> 504
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(file, config(`            - name: added
              match: { path: /added }
              direct_response: { status: 202, body: "new config" }
`));
  assert.equal((await gw.reload()).ok, true);
  const added = await get('/added');
  assert.equal(added.status, 202);
  assert.equal((await inflight).status, 504);
});

test('a bad config is refused with file and field, and the last good one keeps serving', async () => {
  const before = gw.version;
  const bad = config().replace('route: { cluster: alpha, prefix_rewrite: /internal/ }', 'route: { cluster: nowhere }').replace('"/users/[0-9]+/profile"', '"/users/([0-9]+/profile"');
  writeFileSync(file, bad);
  const r = await gw.reload();
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = r.issues.map((i) => `${i.file}: ${i.path}: ${i.message}`).join('\n');
  assert.match(text, /gateway\.yaml: spec\.listeners\[0\]\.virtual_hosts\[1\]\.routes\[3\]\.route\.cluster: unknown cluster "nowhere"/);
  assert.match(text, /routes\[4\]\.match\.safe_regex: invalid regular expression/);
  assert.equal(gw.version, before);
  assert.equal((await get('/exact')).headers['x-upstream'], 'alpha');
});

test('a discovery cluster whose DNS server is unreachable is refused with the field; the running config stays', async () => {
  const before = gw.version;
  const dead = http.createServer();
  const deadPort = await listenLocal(dead);
  await new Promise((r) => dead.close(r)); // nothing answers on this port any more
  writeFileSync(file, config() + `    - name: k8s
      discovery:
        resolver: kubernetes
        app_id: orders
        configuration: { dnsServer: "127.0.0.1:${deadPort}", clusterDomain: cluster.local }
`);
  const r = await gw.reload();
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.issues.map((i) => `${path.basename(i.file)}: ${i.path}: ${i.message}`).join('\n'), new RegExp(`gateway\\.yaml: spec\\.clusters\\[5\\]\\.discovery\\.configuration: .*127\\.0\\.0\\.1:${deadPort}.*unreachable`));
  assert.equal(gw.version, before);
  assert.equal((await get('/exact')).headers['x-upstream'], 'alpha');
});

test('a listener that cannot bind its port is refused with the field; the running config stays', async () => {
  const before = gw.version;
  const taken = http.createServer();
  const port = await listenLocal(taken);
  try {
    writeFileSync(file, config().replace('  clusters:\n', `    - name: second
      address: 127.0.0.1
      port: ${port}
      virtual_hosts: [{ name: all, routes: [{ match: { prefix: / }, direct_response: { status: 200 } }] }]
  clusters:\n`));
    const r = await gw.reload();
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.issues.map((i) => `${path.basename(i.file)}: ${i.path}: ${i.message}`).join('\n'), /gateway\.yaml: spec\.listeners\[1\]\.port: cannot listen: .*EADDRINUSE/);
    assert.equal(gw.version, before);
    assert.equal((await get('/exact')).headers['x-upstream'], 'alpha');
  } finally {
    taken.close();
  }
});
