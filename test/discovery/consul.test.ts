import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consulResolverFactory, ConsulResolver } from '../../discovery/consul';
import type { Endpoint, Resolver, SelfRegistration } from '../../discovery/contract';
import { silentLogger } from '../../observability/logger';
import { ConsulDouble } from './consul-double/server';
import { eventually, uniqueAppId } from './helpers';

/** A stand-in for a sidecar's healthz: 204 for its own ?appid=, 500 for any other (as daprd does). */
async function healthz(appId: () => string): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const asked = url.searchParams.get('appid');
    res.writeHead(url.pathname === '/v1.0/healthz' && (asked === null || asked === appId()) ? 204 : 500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

const open: Resolver[] = [];
const servers: Server[] = [];
function consul(cfg: Record<string, unknown>): ConsulResolver {
  const r = consulResolverFactory.create(cfg, silentLogger) as ConsulResolver;
  open.push(r);
  return r;
}
function reg(appId: string, httpPort: number, internalPort: number, appPort = 3000): SelfRegistration {
  return { appId, namespace: 'default', host: '127.0.0.1', internalPort, httpPort, grpcPort: 1, appPort };
}
const ports = (eps: readonly Endpoint[]): number[] => eps.map((e) => e.port).sort((a, b) => a - b);

describe('consul resolver (Consul API test double)', () => {
  let d: ConsulDouble;
  before(async () => {
    d = await ConsulDouble.start();
  });
  after(async () => {
    await Promise.all(open.map((r) => r.close()));
    for (const s of servers) (s.closeAllConnections(), s.close());
    await d.close();
  });

  it('self-registers as Dapr does, resolves passing instances by meta DAPR_PORT, deregisters on close', async () => {
    const id = uniqueAppId('consul-a');
    const hz = await healthz(() => id);
    servers.push(hz.server);
    const a = consul({ client: { address: d.address }, selfRegister: true, selfDeregister: true, tags: ['dapr', '${NAMESPACE}'], meta: { APP: '${APP_ID}' } });
    await a.init(reg(id, hz.port, 45001, 3001));

    const sid = `${id}-127.0.0.1-${hz.port}`;
    assert.equal(a.registrationId, sid);
    const services = (await (await fetch(`${d.url}/v1/agent/services`)).json()) as Record<string, { Service: string; Port: number; Address: string; Tags: string[]; Meta: Record<string, string> }>;
    assert.deepEqual(services[sid], { ID: sid, Service: id, Tags: ['dapr', 'default'], Meta: { APP: id, DAPR_PORT: '45001' }, Port: 3001, Address: '127.0.0.1', Datacenter: 'dc1', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false });
    const checks = d.state.services.get(sid)!.checks;
    assert.deepEqual(checks.map((c) => [c.checkId, c.name, c.http, c.intervalMs]), [[`daprHealth:${id}`, 'Dapr Health Status', `http://127.0.0.1:${hz.port}/v1.0/healthz?appid=${id}`, 15_000]]);

    const b = consul({ client: { address: `http://${d.address}` } });
    await b.init(reg(uniqueAppId('consul-b'), 1, 45002));
    const found = await eventually('the check to pass', async () => {
      const r = await b.resolve({ appId: id, namespace: 'default' });
      return r.ok ? r : undefined;
    });
    assert.deepEqual(found.endpoints, [{ host: '127.0.0.1', port: 45001, appId: id }]);

    await a.close();
    assert.equal(d.state.services.has(sid), false);
    const after = await b.resolve({ appId: id, namespace: 'default' });
    assert.equal(!after.ok && after.code, 'NOT_FOUND');
  });

  it('never returns an instance whose check is not passing, nor one without the port meta', async () => {
    const id = uniqueAppId('consul-crit');
    const body = (n: number, meta: Record<string, string>) => ({ Name: id, ID: `${id}-${n}`, Address: '10.9.0.1', Port: 1, Meta: meta, Check: { CheckID: `${id}-c${n}`, TTL: '1m', Status: 'passing' } });
    for (const [n, meta] of [[1, { DAPR_PORT: '50002' }], [2, { DAPR_PORT: '50003' }], [3, {}]] as const) {
      await fetch(`${d.url}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body(n, meta)) });
    }
    const r = consul({ client: { address: d.address } });
    const both = await r.resolve({ appId: id, namespace: 'default' });
    assert.ok(both.ok);
    assert.deepEqual(ports(both.endpoints), [50002, 50003]);
    d.setCheckStatus(`${id}-c2`, 'warning');
    const one = await r.resolve({ appId: id, namespace: 'default' });
    assert.ok(one.ok);
    assert.deepEqual(ports(one.endpoints), [50002]);
    d.setCheckStatus(`${id}-c1`, 'critical');
    const none = await r.resolve({ appId: id, namespace: 'default' });
    assert.equal(!none.ok && none.code, 'NOT_FOUND');
    assert.match(!none.ok ? none.message : '', /meta DAPR_PORT is missing/);
    const custom = consul({ client: { address: d.address }, daprPortMetaKey: 'OTHER_PORT' });
    d.setCheckStatus(`${id}-c1`, 'passing');
    const miss = await custom.resolve({ appId: id, namespace: 'default' });
    assert.match(!miss.ok ? miss.message : '', /meta OTHER_PORT is missing/);
  });

  it('a stale registration whose address now serves another app id fails its check and is never used', async () => {
    const oldId = uniqueAppId('consul-old');
    const newId = uniqueAppId('consul-new');
    // The sidecar at this address now belongs to newId; oldId's registration was left behind.
    const hz = await healthz(() => newId);
    servers.push(hz.server);
    const stale = consul({ client: { address: d.address }, selfRegister: true });
    await stale.init(reg(oldId, hz.port, 45100));
    const fresh = consul({ client: { address: d.address }, selfRegister: true });
    await fresh.init(reg(newId, hz.port, 45100));
    const client = consul({ client: { address: d.address } });
    await eventually('the new registration to pass', async () => ((await client.resolve({ appId: newId, namespace: 'default' })).ok ? true : undefined));
    // The old registration's check has run against the address and been refused (appid mismatch).
    const oldCheck = await eventually('the old check to run', async () => {
      const checks = (await (await fetch(`${d.url}/v1/agent/checks`)).json()) as Record<string, { Status: string; Output: string }>;
      const c = checks[`daprHealth:${oldId}`];
      return c && c.Output !== '' ? c : undefined;
    });
    assert.equal(oldCheck.Status, 'critical');
    assert.match(oldCheck.Output, /: 500 /);
    const old = await client.resolve({ appId: oldId, namespace: 'default' });
    assert.equal(!old.ok && old.code, 'NOT_FOUND');

    // Even while such an entry is still passing, the sidecar that owns the address never uses it.
    const ghost = uniqueAppId('consul-ghost');
    await fetch(`${d.url}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: ghost, Address: '127.0.0.1', Meta: { DAPR_PORT: '45100' }, Check: { TTL: '1m', Status: 'passing' } }) });
    const own = await fresh.resolve({ appId: ghost, namespace: 'default' });
    assert.equal(!own.ok && own.code, 'NOT_FOUND');
    assert.match(!own.ok ? own.message : '', /this sidecar's own address.*stale registration/);
    const elsewhere = await client.resolve({ appId: ghost, namespace: 'default' });
    assert.ok(elsewhere.ok && elsewhere.endpoints.every((e) => e.appId === ghost));
  });

  it('with useCache keeps the set current through blocking queries and pushes changes to watchers', async () => {
    const id = uniqueAppId('consul-cache');
    const r = consul({ client: { address: d.address }, useCache: true, queryOptions: { waitTime: '5s' } });
    await r.init(reg(uniqueAppId('consul-watcher'), 1, 45200));
    const register = (n: number) =>
      fetch(`${d.url}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: id, ID: `${id}-${n}`, Address: '10.1.0.1', Meta: { DAPR_PORT: String(50000 + n) }, Check: { TTL: '1m', Status: 'passing' } }) });
    await register(1);
    const first = await r.resolve({ appId: id, namespace: 'default' });
    assert.ok(first.ok);
    assert.deepEqual(ports(first.endpoints), [50001]);

    const seen: number[][] = [];
    const unwatch = r.watch({ appId: id, namespace: 'default' }, (eps) => seen.push(ports(eps)));
    await register(2);
    await eventually('the watcher to see the join', () => (seen.some((s) => s.join() === '50001,50002') ? true : undefined));
    await fetch(`${d.url}/v1/agent/service/deregister/${id}-1`, { method: 'PUT' });
    await eventually('the watcher to see the leave', () => (seen.at(-1)?.join() === '50002' ? true : undefined));
    const now = await r.resolve({ appId: id, namespace: 'default' });
    assert.ok(now.ok);
    assert.deepEqual(ports(now.endpoints), [50002]);
    unwatch();

    const blocking = d.requests.filter((q) => q.path === `/v1/health/service/${id}` && q.query.index !== undefined);
    assert.ok(blocking.length >= 2, 'blocking queries were made');
    assert.ok(blocking.every((q) => q.query.wait === '5000ms' && q.query.passing === 'true'));
    const indexes = blocking.map((q) => Number(q.query.index));
    assert.deepEqual([...indexes].sort((a, b) => a - b), indexes, 'the index only goes up');
  });

  it('sends the ACL token and names the field when the agent refuses it', async () => {
    const secured = await ConsulDouble.start({ aclToken: 'tok-1', runChecks: false });
    try {
      const without = consul({ client: { address: secured.address } });
      await assert.rejects(without.init(reg(uniqueAppId('acl'), 1, 45300)), /nameResolution\.configuration\.client\.token.*403/);
      const withToken = consul({ client: { address: secured.address, token: 'tok-1' }, selfRegister: true });
      await withToken.init(reg(uniqueAppId('acl'), 1, 45301));
      assert.equal(secured.state.services.size, 1);
    } finally {
      await secured.close();
    }
  });

  it('rejects bad configuration naming the field, and an unreachable agent naming the address', async () => {
    const bad = (cfg: Record<string, unknown>, re: RegExp) => assert.throws(() => consulResolverFactory.create(cfg, silentLogger), re);
    bad({ client: { address: 'http//nope:x' } }, /nameResolution\.configuration\.client\.address: "http\/\/nope:x"/);
    bad({ client: { address: '127.0.0.1:99999' } }, /client\.address.*out of range/);
    bad({ client: { address: 'ftp://h:1' } }, /client\.address.*not http or https/);
    bad({ client: { scheme: 'tcp' } }, /client\.scheme/);
    bad({ selfRegister: 'yes please' }, /nameResolution\.configuration\.selfRegister/);
    bad({ checks: [{ name: 'x' }] }, /nameResolution\.configuration\.checks\[0\]/);
    bad({ tags: 'dapr' }, /nameResolution\.configuration\.tags/);
    bad({ queryOptions: { waitTime: 'soon' } }, /queryOptions\.waitTime/);
    bad({ client: { tlsConfig: { caFile: '/nonexistent/ca.pem' } } }, /client\.tlsConfig\.caFile/);

    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const r = consul({ client: { address: `127.0.0.1:${deadPort}` } });
    await assert.rejects(r.init(reg(uniqueAppId('dead'), 1, 45400)), new RegExp(`http://127\\.0\\.0\\.1:${deadPort}.*client\\.address.*ECONNREFUSED`));
    const res = await r.resolve({ appId: 'x', namespace: 'default' });
    assert.equal(!res.ok && res.code, 'RESOLVER_ERROR');
  });
});
