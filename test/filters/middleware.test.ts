/**
 * HTTP middleware pipelines on running sidecars, configured as Dapr does it: Component resources
 * of type middleware.http.* named by the Configuration's httpPipeline / appHttpPipeline.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawRequest, resourcesWith, startEchoApp, startTestSidecar, staticResolutionConfig, uniqueAppId, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { call, metricValue, scrape, startPair, type Pair } from './helpers';

function component(name: string, type: string, metadata: Record<string, string>): string {
  const md = Object.entries(metadata).map(([k, v]) => `  - name: ${k}\n    value: ${JSON.stringify(v)}`).join('\n');
  return `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: ${type}\n  version: v1\n  metadata:\n${md}\n`;
}

function pipeline(which: 'httpPipeline' | 'appHttpPipeline', handlers: Array<[string, string]>): string {
  return `  ${which}:\n    handlers:\n${handlers.map(([n, t]) => `    - name: ${n}\n      type: ${t}\n`).join('')}`;
}

async function sidecarWith(id: string, files: Record<string, string>, spec: string): Promise<SidecarHandle> {
  return startTestSidecar({ appId: id, resourcesPaths: [resourcesWith(files)], config: staticResolutionConfig({ [id]: ['127.0.0.1:1'] }, spec), enableMetrics: true });
}

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

describe('middleware.http.ratelimit, routeralias, routerchecker and a missing component', () => {
  let limited: SidecarHandle;
  let routed: SidecarHandle;
  let broken: SidecarHandle;
  before(async () => {
    limited = await sidecarWith(uniqueAppId('mw-rl'), { 'rl.yaml': component('limiter', 'middleware.http.ratelimit', { maxRequestsPerSecond: '2' }) }, pipeline('httpPipeline', [['limiter', 'middleware.http.ratelimit']]));
    routed = await sidecarWith(uniqueAppId('mw-route'), {
      'alias.yaml': component('alias', 'middleware.http.routeralias', { routes: JSON.stringify({ '/shop/info': '/v1.0/metadata' }) }),
      'check.yaml': component('checker', 'middleware.http.routerchecker', { rule: '^[A-Za-z0-9/._-]+$' }),
    }, pipeline('httpPipeline', [['checker', 'middleware.http.routerchecker'], ['alias', 'middleware.http.routeralias']]));
    broken = await sidecarWith(uniqueAppId('mw-broken'), {}, pipeline('httpPipeline', [['ghost', 'middleware.http.bearer']]));
  });
  after(async () => { await Promise.all([limited?.stop('done'), routed?.stop('done'), broken?.stop('done')]); });

  test('requests beyond maxRequestsPerSecond get 429 and are counted', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => call(limited.httpPort, '/v1.0/metadata')));
    const rejected = all.filter((r) => r.status === 429);
    assert.ok(all.some((r) => r.status === 200), 'some pass');
    assert.ok(rejected.length >= 10, `most of a burst of 20 is refused (${rejected.length})`);
    assert.equal(rejected[0]!.text, 'You have reached maximum request limit.');
    const m = await scrape(limited.metricsPort);
    assert.equal(metricValue(m, 'outrigger_ratelimit_rejected_total', { middleware: 'limiter' }), rejected.length);
  });

  test('routeralias rewrites to another route; routerchecker refuses paths outside its rule', async () => {
    const aliased = await call(routed.httpPort, '/shop/info');
    assert.equal(aliased.status, 200, aliased.text);
    assert.ok(typeof (aliased.json() as { id?: string }).id === 'string', 'answered by the metadata API');
    const refused = await rawRequest(routed.httpPort, { path: '/v1.0/metadata%20x' });
    assert.equal(refused.status, 400);
    assert.equal(refused.text, 'invalid router');
  });

  test('a pipeline naming a missing component fails closed', async () => {
    const r = await call(broken.httpPort, '/v1.0/metadata');
    assert.equal(r.status, 500);
    assert.equal((r.json() as { errorCode: string }).errorCode, 'ERR_MIDDLEWARE');
  });
});

describe('middleware.http.bearer against a local JWKS', () => {
  let jose: Jose;
  let jwks: http.Server;
  let jwksPort: number;
  let s: SidecarHandle;
  let good: CryptoKey;
  let other: CryptoKey;
  const issuer = 'https://issuer.outrigger.test';
  before(async () => {
    jose = await import('jose');
    const pair = await jose.generateKeyPair('RS256');
    const stranger = await jose.generateKeyPair('RS256');
    good = pair.privateKey as CryptoKey;
    other = stranger.privateKey as CryptoKey;
    const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })); });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    jwksPort = (jwks.address() as AddressInfo).port;
    s = await sidecarWith(uniqueAppId('mw-bearer'), {
      'bearer.yaml': component('auth', 'middleware.http.bearer', { issuer, audience: 'outrigger-tests', jwksURL: `http://127.0.0.1:${jwksPort}/jwks.json` }),
    }, pipeline('httpPipeline', [['auth', 'middleware.http.bearer']]));
  });
  after(async () => {
    await s?.stop('done');
    await new Promise<void>((r) => { jwks.closeAllConnections(); jwks.close(() => r()); });
  });

  const token = (key: CryptoKey, claims: { aud?: string; iss?: string; exp?: string } = {}) =>
    new jose.SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(claims.iss ?? issuer).setAudience(claims.aud ?? 'outrigger-tests').setIssuedAt().setExpirationTime(claims.exp ?? '5m').sign(key);

  test('a valid token passes; missing, foreign, expired or mis-addressed tokens get 401', async () => {
    const ok = await call(s.httpPort, '/v1.0/metadata', { headers: { authorization: `Bearer ${await token(good)}` } });
    assert.equal(ok.status, 200, ok.text);
    const cases: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['not a jwt', { authorization: 'Bearer abc' }],
      ['other key', { authorization: `Bearer ${await token(other)}` }],
      ['wrong audience', { authorization: `Bearer ${await token(good, { aud: 'someone-else' })}` }],
      ['wrong issuer', { authorization: `Bearer ${await token(good, { iss: 'https://evil.test' })}` }],
      ['expired', { authorization: `Bearer ${await token(good, { exp: '1s ago' })}` }],
    ];
    for (const [what, headers] of cases) assert.equal((await call(s.httpPort, '/v1.0/metadata', { headers })).status, 401, what);
    const m = await scrape(s.metricsPort);
    assert.equal(metricValue(m, 'outrigger_bearer_denied_total', { middleware: 'auth' }), cases.length);
  });
});

describe('appHttpPipeline on the callee side', () => {
  let app: TestApp;
  let pair: Pair;
  before(async () => {
    app = await startEchoApp();
    pair = await startPair({
      idA: uniqueAppId('mw-app-a'), idB: uniqueAppId('mw-app-b'), appB: app,
      optsB: { resourcesPaths: [resourcesWith({ 'check.yaml': component('only-allowed', 'middleware.http.routerchecker', { rule: '^/allowed(/|$)' }) })] },
      specB: pipeline('appHttpPipeline', [['only-allowed', 'middleware.http.routerchecker']]),
    });
  });
  after(async () => {
    await pair?.close();
    await app?.close();
  });

  test('the app pipeline filters what reaches the app', async () => {
    assert.equal((await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/allowed/x`)).status, 200);
    const refused = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/secret`);
    assert.equal(refused.status, 400);
    assert.equal(app.requests.filter((r) => r.url === '/secret').length, 0);
  });
});
