import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesResolverFactory, KubernetesResolver } from '../../discovery/kubernetes';
import { createResolver } from '../../discovery/registry';
import type { Endpoint, Resolver } from '../../discovery/contract';
import { silentLogger } from '../../observability/logger';
import { Dnsmasq, findDnsmasq } from './kubernetes-dnsmasq';
import { eventually, registration } from './helpers';

const binary = findDnsmasq();
if (!binary && process.env.CI === 'true') throw new Error('dnsmasq is required under CI=true (Debian package "dnsmasq")');
const skip = binary ? false : 'dnsmasq is not installed (Debian package "dnsmasq")';

const SVC = 'svc.cluster.local';
const open: Resolver[] = [];
function k8s(cfg: Record<string, unknown>): KubernetesResolver {
  const r = kubernetesResolverFactory.create(cfg, silentLogger) as KubernetesResolver;
  open.push(r);
  return r;
}
const sorted = (eps: readonly Endpoint[]): string[] => eps.map((e) => `${e.host}:${e.port}`).sort();

describe('kubernetes resolver against a real DNS server (dnsmasq)', { skip }, () => {
  let dns: Dnsmasq;
  before(async () => {
    dns = await Dnsmasq.start(binary as string, {
      localDomains: ['cluster.local', 'corp.internal', 'apps.test'],
      hostRecords: [
        `orders-dapr.default.${SVC},10.1.0.1,30`,
        `orders-dapr.default.${SVC},10.1.0.2,30`,
        `payments-dapr.prod.${SVC},10.2.0.1,fd00::21,30`,
        'carts-dapr.default.svc.corp.internal,10.3.0.1,30',
        'inventory.eu.apps.test,10.4.0.1,30',
        `pinned-dapr.default.${SVC},10.6.0.1,30`,
      ],
      srvHosts: [`_dapr-internal._tcp.orders-dapr.default.${SVC},orders-dapr.default.${SVC},50555`],
      mutableHosts: `10.5.0.1 short-dapr.default.${SVC}\n`,
      mutableTtl: 1,
    });
  });
  after(async () => {
    await Promise.all(open.map((r) => r.close()));
    await dns?.stop();
  });

  it('resolves <appId>-dapr.<namespace>.svc.cluster.local: every A record, port from the SRV record', async () => {
    const r = k8s({ dnsServer: dns.server });
    await r.init(registration('caller', 1));
    const res = await r.resolve({ appId: 'orders', namespace: 'default' });
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(sorted(res.endpoints), ['10.1.0.1:50555', '10.1.0.2:50555']);
    assert.ok(res.endpoints.every((e) => e.appId === 'orders' && e.namespace === 'default'));
  });

  it('uses A and AAAA and the pinned internal port 50002 when there is no SRV record', async () => {
    const r = k8s({ dnsServer: dns.server });
    const res = await r.resolve({ appId: 'payments', namespace: 'prod' });
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(sorted(res.endpoints), ['10.2.0.1:50002', 'fd00::21:50002']);
    const custom = k8s({ dnsServer: dns.server, internalPort: '51000' });
    const c = await custom.resolve({ appId: 'payments', namespace: 'prod' });
    assert.ok(c.ok);
    assert.deepEqual(sorted(c.endpoints), ['10.2.0.1:51000', 'fd00::21:51000']);
  });

  it('an unknown app id or namespace is NOT_FOUND', async () => {
    const r = k8s({ dnsServer: dns.server });
    const unknown = await r.resolve({ appId: 'nobody', namespace: 'default' });
    assert.equal(!unknown.ok && unknown.code, 'NOT_FOUND');
    assert.match(!unknown.ok ? unknown.message : '', /nobody-dapr\.default\.svc\.cluster\.local/);
    const otherNs = await r.resolve({ appId: 'orders', namespace: 'prod' });
    assert.equal(!otherNs.ok && otherNs.code, 'NOT_FOUND');
  });

  it('honours clusterDomain and a template', async () => {
    const corp = k8s({ dnsServer: dns.server, clusterDomain: 'corp.internal' });
    const c = await corp.resolve({ appId: 'carts', namespace: 'default' });
    assert.ok(c.ok);
    assert.deepEqual(sorted(c.endpoints), ['10.3.0.1:50002']);
    const tpl = k8s({ dnsServer: dns.server, template: '{{.ID}}.{{.Data.region}}.apps.test:{{.Port}}', region: 'eu', internalPort: 6000 });
    assert.equal(tpl.target('inventory', 'default'), 'inventory.eu.apps.test:6000');
    const t = await tpl.resolve({ appId: 'inventory', namespace: 'default' });
    assert.ok(t.ok, JSON.stringify(t));
    assert.deepEqual(sorted(t.endpoints), ['10.4.0.1:6000']);
  });

  it('caches answers for their TTL: repeated resolves do not reach the server', async () => {
    const r = k8s({ dnsServer: dns.server });
    const name = `pinned-dapr.default.${SVC}`;
    const before = dns.queries('A', name);
    for (let i = 0; i < 5; i++) assert.ok((await r.resolve({ appId: 'pinned', namespace: 'default' })).ok);
    assert.equal(dns.queries('A', name) - before, 1);
  });

  it('sees a changed record once its TTL ran out', async () => {
    const short = k8s({ dnsServer: dns.server });
    const first = await short.resolve({ appId: 'short', namespace: 'default' });
    assert.ok(first.ok);
    assert.deepEqual(sorted(first.endpoints), ['10.5.0.1:50002']);
    await dns.setMutableHosts(`10.5.0.2 short-dapr.default.${SVC}\n`);
    await eventually('the 1s record to be re-read', async () => {
      const r = await short.resolve({ appId: 'short', namespace: 'default' });
      return r.ok && sorted(r.endpoints).join() === '10.5.0.2:50002' ? true : undefined;
    });
  });

  it('keeps a long-TTL answer until maxCacheTtl, whichever is shorter', async () => {
    const long = await Dnsmasq.start(binary as string, { localDomains: ['cluster.local'], hostRecords: [], srvHosts: [], mutableHosts: `10.7.0.1 capped-dapr.default.${SVC}\n`, mutableTtl: 3600 });
    try {
      const byTtl = k8s({ dnsServer: long.server });
      const capped = k8s({ dnsServer: long.server, maxCacheTtl: '200ms' });
      const req = { appId: 'capped', namespace: 'default' };
      const initial = await byTtl.resolve(req);
      assert.ok(initial.ok);
      assert.deepEqual(sorted(initial.endpoints), ['10.7.0.1:50002']);
      assert.ok((await capped.resolve(req)).ok);
      await long.setMutableHosts(`10.7.0.2 capped-dapr.default.${SVC}\n`);
      await eventually('the capped entry to be re-read', async () => {
        const r = await capped.resolve(req);
        return r.ok && sorted(r.endpoints).join() === '10.7.0.2:50002' ? true : undefined;
      });
      // The uncapped resolver still serves its cached answer (the 30s default cap is far off).
      const queriesBefore = long.queries('A', `capped-dapr.default.${SVC}`);
      const cached = await byTtl.resolve(req);
      assert.ok(cached.ok);
      assert.deepEqual(sorted(cached.endpoints), ['10.7.0.1:50002']);
      assert.equal(long.queries('A', `capped-dapr.default.${SVC}`), queriesBefore);
    } finally {
      await long.stop();
    }
  });

  it('an unreachable DNS server fails init and resolves with a message naming the server and field', async () => {
    const deadPort = dns.port === 1 ? 2 : 1;
    const r = k8s({ dnsServer: `127.0.0.1:${deadPort}`, timeout: '300ms', tries: 1 });
    await assert.rejects(r.init(registration('caller', 1)), new RegExp(`server 127\\.0\\.0\\.1:${deadPort} \\(nameResolution\\.configuration\\.dnsServer\\) is unreachable`));
    const res = await r.resolve({ appId: 'orders', namespace: 'default' });
    assert.equal(!res.ok && res.code, 'RESOLVER_ERROR');
    assert.match(!res.ok ? res.message : '', /127\.0\.0\.1:\d+ \(nameResolution\.configuration\.dnsServer\)/);
  });
});

describe('kubernetes resolver configuration', () => {
  it('rejects bad values naming the field', () => {
    const bad = (cfg: Record<string, unknown>, re: RegExp) => assert.throws(() => kubernetesResolverFactory.create(cfg, silentLogger), re);
    bad({ dnsServer: 'dns.example.com:53' }, /nameResolution\.configuration\.dnsServer: "dns\.example\.com:53"/);
    bad({ dnsServer: '127.0.0.1:70000' }, /nameResolution\.configuration\.dnsServer/);
    bad({ clusterDomain: 'bad domain' }, /nameResolution\.configuration\.clusterDomain/);
    bad({ template: '{{.Id}}.svc' }, /nameResolution\.configuration\.template: unknown placeholder \{\{\.Id\}\}/);
    bad({ maxCacheTtl: 'forever' }, /nameResolution\.configuration\.maxCacheTtl/);
    bad({ internalPort: 0 }, /nameResolution\.configuration\.internalPort/);
  });

  it('is registered as "kubernetes" and accepts the documented defaults', async () => {
    const made = createResolver('kubernetes', { dnsServer: ['127.0.0.1:53', '[::1]:5353'] }, silentLogger);
    assert.ok(made.ok, !made.ok ? made.message : '');
    assert.equal(made.resolver.name, 'kubernetes');
    const r = made.resolver as KubernetesResolver;
    assert.equal(r.target('orders', 'default'), 'orders-dapr.default.svc.cluster.local');
    await r.close();
  });
});
