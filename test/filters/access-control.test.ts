/**
 * Access control on inbound invocation: the policy's precedence, a property test that the path
 * normaliser and the operation matcher agree for arbitrarily encoded paths, and running sidecars
 * (unverified callers get the global default; mTLS-verified callers get their app policy).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AccessControlPolicy } from '../../filters/access-control/acl-policy';
import { configurationSchema } from '../../config/schemas/configuration';
import { normalisePath } from '../../proxy/path';
import type { PeerIdentity } from '../../proxy/contracts';
import { rawRequest, startApp, tempDir, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { call, metricValue, scrape, startPair, type Pair } from './helpers';

function policyOf(accessControl: unknown): AccessControlPolicy {
  const cfg = configurationSchema.parse({ apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration', metadata: { name: 'c' }, spec: { accessControl } });
  return new AccessControlPolicy(cfg.spec.accessControl!);
}

const caller = (appId: string, over: Partial<PeerIdentity> = {}): PeerIdentity => ({ appId, namespace: 'default', trustDomain: 'public', verified: true, ...over });

const POLICY = {
  defaultAction: 'allow',
  trustDomain: 'public',
  policies: [{
    appId: 'web', defaultAction: 'allow', namespace: 'default',
    operations: [
      { name: '/admin/**', httpVerb: ['*'], action: 'deny' },
      { name: '/orders/*', httpVerb: ['POST'], action: 'deny' },
      { name: '/orders/public', httpVerb: ['POST'], action: 'allow' },
    ],
  }],
};

describe('access-control policy', () => {
  const p = policyOf(POLICY);

  test('operation rules decide by verb; literal segments beat *; ** covers any depth', () => {
    assert.equal(p.decide(caller('web'), '/admin/x', 'GET').allowed, false);
    assert.equal(p.decide(caller('web'), '/admin/x/y/z', 'DELETE').allowed, false);
    assert.equal(p.decide(caller('web'), '/orders/1', 'POST').allowed, false);
    assert.equal(p.decide(caller('web'), '/orders/1', 'GET').allowed, true, 'verb not listed: policy default');
    assert.equal(p.decide(caller('web'), '/orders/public', 'POST').allowed, true, 'literal beats *');
    assert.equal(p.decide(caller('web'), '/orders/1/items', 'POST').allowed, true, '* is exactly one segment');
  });

  test('unknown, unverified or foreign callers get the global default', () => {
    const strict = policyOf({ ...POLICY, defaultAction: 'deny' });
    assert.equal(strict.decide(caller('web'), '/anything', 'GET').allowed, true, 'app default allow');
    assert.equal(strict.decide(caller('other'), '/anything', 'GET').allowed, false);
    assert.equal(strict.decide(caller('web', { verified: false }), '/anything', 'GET').allowed, false);
    assert.equal(strict.decide(caller('web', { trustDomain: 'evil' }), '/anything', 'GET').allowed, false);
    assert.equal(strict.decide(caller('web', { namespace: 'prod' }), '/anything', 'GET').allowed, false);
    assert.equal(strict.decide(undefined, '/anything', 'GET').allowed, false);
  });

  test('policies without a global default action deny by default', () => {
    const q = policyOf({ policies: [{ appId: 'web', operations: [] }] });
    assert.equal(q.decide(caller('x'), '/a', 'GET').allowed, false);
    assert.equal(policyOf({}).decide(caller('x'), '/a', 'GET').allowed, true);
  });
});

// Segments without '%', '/' or dot-only names; any character may be percent-encoded on the wire.
const segChar = fc.constantFrom(...'abcxyz019-_~:@!$&()*+,;='.split(''));
const segment = fc.array(segChar, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(''));
const encodeChar = (c: string, how: number): string => {
  const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
  return how === 0 ? c : how === 1 ? `%${hex.toUpperCase()}` : `%${hex.toLowerCase()}`;
};
/** An encoded spelling of the same path: escapes, "." segments, "x/.." detours, doubled slashes. */
const spelling = (segs: string[]) => fc.tuple(
  fc.array(fc.nat({ max: 2 }), { minLength: 64, maxLength: 64 }),
  fc.array(fc.nat({ max: 4 }), { minLength: segs.length, maxLength: segs.length }),
).map(([how, noise]) => {
  let k = 0;
  return segs.map((s, i) => {
    const enc = s.split('').map((c) => encodeChar(c, how[k++ % how.length]!)).join('');
    const n = noise[i]!;
    return n === 1 ? `./${enc}` : n === 2 ? `zz/..%2F${enc}` : n === 3 ? `/${enc}` : n === 4 ? `zz/%2e%2e/${enc}` : enc;
  }).join('/');
});

describe('normaliser and matcher agree (property)', () => {
  const p = policyOf({
    defaultAction: 'deny',
    policies: [{ appId: 'web', defaultAction: 'allow', operations: [{ name: '/admin/**', httpVerb: ['*'], action: 'deny' }, { name: '/a/*', httpVerb: ['GET'], action: 'deny' }] }],
  });
  test('every encoded spelling of a path gets the decision of its plain form', () => {
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }).chain((segs) => fc.tuple(fc.constant(segs), spelling(segs))), ([segs, enc]) => {
      const plain = '/' + segs.join('/');
      const norm = normalisePath('/' + enc);
      assert.ok(norm.ok, `normalises ${enc}`);
      const plainNorm = normalisePath(plain);
      assert.ok(plainNorm.ok);
      assert.equal(norm.path, plainNorm.path);
      for (const verb of ['GET', 'POST']) {
        assert.equal(p.decide(caller('web'), norm.path, verb).allowed, p.decide(caller('web'), plain, verb).allowed);
      }
    }), { numRuns: 2000 });
  });

  test('no spelling of a path under /admin is allowed', () => {
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }).chain((rest) => spelling(['admin', ...rest])), (enc) => {
      const norm = normalisePath('/' + enc);
      assert.ok(norm.ok);
      assert.equal(p.decide(caller('web'), norm.path, 'GET').allowed, false, `${enc} -> ${norm.path}`);
    }), { numRuns: 1000 });
  });
});

describe('access control on running sidecars', () => {
  let app: TestApp;
  let plain: Pair;
  let secure: Pair;
  before(async () => {
    app = await startApp((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`app saw ${req.method} ${req.url}`); });
    plain = await startPair({
      idA: uniqueAppId('acl-a'), idB: uniqueAppId('acl-b'), appB: app, optsB: { enableMetrics: true },
      specB: '  accessControl:\n    defaultAction: deny\n',
    });
    const dataDir = tempDir('outrigger-acl-mtls-');
    const idA = uniqueAppId('acl-web');
    secure = await startPair({
      idA, idB: uniqueAppId('acl-orders'), appB: app,
      optsA: { enableMtls: true, dataDir }, optsB: { enableMtls: true, dataDir, enableMetrics: true },
      specB: `  accessControl:
    defaultAction: deny
    trustDomain: public
    policies:
    - appId: ${idA}
      defaultAction: deny
      namespace: default
      operations:
      - name: /public/**
        httpVerb: ['*']
        action: allow
      - name: /orders/*
        httpVerb: [GET]
        action: allow
`,
    });
  });
  after(async () => {
    await Promise.all([plain?.close(), secure?.close()]);
    await app?.close();
  });

  test('an unverified caller gets the global default: 403 ERR_DIRECT_INVOKE, counted', async () => {
    const r = await call(plain.a.httpPort, `/v1.0/invoke/${plain.idB}/method/hello-denied`);
    assert.equal(r.status, 403);
    assert.equal((r.json() as { errorCode: string }).errorCode, 'ERR_DIRECT_INVOKE');
    assert.equal(app.requests.filter((q) => q.url === '/hello-denied').length, 0, 'the app never saw the call');
    const m = await scrape(plain.b.metricsPort);
    assert.ok(metricValue(m, 'dapr_runtime_acl_global_policy_action_blocked_total') >= 1);
  });

  test('a verified caller is held to its app policy, per operation and verb', async () => {
    const base = `/v1.0/invoke/${secure.idB}/method`;
    const ok = await call(secure.a.httpPort, `${base}/public/docs/a`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.text, 'app saw GET /public/docs/a');
    assert.equal((await call(secure.a.httpPort, `${base}/orders/7`)).status, 200);
    const post = await call(secure.a.httpPort, `${base}/orders/7`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 403);
    assert.equal((await call(secure.a.httpPort, `${base}/admin`)).status, 403);
    const m = await scrape(secure.b.metricsPort);
    assert.ok(metricValue(m, 'dapr_runtime_acl_app_policy_action_allowed_total') >= 2);
    assert.ok(metricValue(m, 'dapr_runtime_acl_app_policy_action_blocked_total') >= 2);
  });

  test('no encoding trick reaches a denied operation', async () => {
    const base = `/v1.0/invoke/${secure.idB}/method`;
    const seen = app.requests.length;
    for (const trick of ['/public/..%2Fadmin', '/public/%2e%2e/admin', '/public/%2E%2E%2fadmin/x', '//public/../admin', '/orders/%2e%2e/admin']) {
      // Sent byte for byte: no client-side URL clean-up.
      const r = await rawRequest(secure.a.httpPort, { path: base + trick });
      assert.equal(r.status, 403, `${trick}: ${r.text}`);
    }
    assert.equal(app.requests.filter((q, i) => i >= seen && q.url.startsWith('/admin')).length, 0);
  });
});
