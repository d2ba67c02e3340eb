import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createResolver } from '../../discovery/registry';
import { ResolverChain } from '../../discovery/fallback';
import { mdnsResolverFactory } from '../../discovery/mdns';
import type { Endpoint, ResolveRequest, ResolveResult, Resolver, SelfRegistration } from '../../discovery/contract';
import { createLogger, silentLogger, type Logger } from '../../observability/logger';
import { eventually, registration, uniqueAppId } from './helpers';

function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'debug', json: false, sink: (line) => lines.push(line) }), lines };
}

const open: Resolver[] = [];
after(async () => {
  await Promise.all(open.map((r) => r.close()));
});

/** mDNS that cannot work here: no probe can come back within 0 ms, as on a host without multicast. */
const brokenMdns = { interface: '192.0.2.1', probeTimeout: 0 };

describe('fallback name resolution (nameResolution.configuration.fallback)', () => {
  it('says at start-up that mDNS is unavailable and resolves through the static fallback', async () => {
    const { log, lines } = capturingLogger();
    const made = createResolver('mdns', { ...brokenMdns, fallback: [{ component: 'static', configuration: { apps: { orders: ['127.0.0.1:50002'] } } }] }, log);
    assert.ok(made.ok, !made.ok ? made.message : '');
    open.push(made.resolver);
    assert.equal(made.resolver.name, 'mdns');
    await made.resolver.init(registration(uniqueAppId('fb'), 43001));
    assert.ok(lines.some((l) => /name resolution mdns is unavailable: mDNS unavailable: .*own probe not heard back.*falling back to static/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /name resolution in use: static/.test(l)));
    assert.deepEqual((made.resolver as ResolverChain).activeNames, ['static']);
    const r = await made.resolver.resolve({ appId: 'orders', namespace: 'default' });
    assert.ok(r.ok);
    assert.deepEqual(r.endpoints, [{ host: '127.0.0.1', port: 50002, appId: 'orders' }]);
    const missing = await made.resolver.resolve({ appId: 'nobody', namespace: 'default' });
    assert.equal(!missing.ok && missing.code, 'NOT_FOUND');
  });

  it('fails init with every reason when no resolver can start', async () => {
    // kubernetes pointed at a closed port cannot start either.
    const withDeadDns = createResolver('mdns', { ...brokenMdns, fallback: [{ component: 'kubernetes', configuration: { dnsServer: '127.0.0.1:1', timeout: '300ms', tries: 1 } }] }, silentLogger);
    assert.ok(withDeadDns.ok);
    open.push(withDeadDns.resolver);
    await assert.rejects(withDeadDns.resolver.init(registration(uniqueAppId('fb'), 43002)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'MDNS_UNAVAILABLE');
      assert.match(err.message, /no name resolver could start: mdns: mDNS unavailable.*; kubernetes: .*127\.0\.0\.1:1 \(nameResolution\.configuration\.dnsServer\) is unreachable/);
      return true;
    });
    assert.deepEqual((withDeadDns.resolver as ResolverChain).activeNames, []);
  });

  it('asks the started resolvers in order: the first that finds endpoints answers', async () => {
    const made = createResolver('static', { apps: { a: ['10.0.0.1:1'] }, fallback: [{ component: 'static', configuration: { apps: { a: ['10.0.0.2:2'], b: ['10.0.0.3:3'] } } }] }, silentLogger);
    assert.ok(made.ok);
    open.push(made.resolver);
    await made.resolver.init(registration('self', 43003));
    const a = await made.resolver.resolve({ appId: 'a', namespace: 'default' });
    assert.ok(a.ok);
    assert.deepEqual(a.endpoints.map((e) => e.host), ['10.0.0.1']);
    const b = await made.resolver.resolve({ appId: 'b', namespace: 'default' });
    assert.ok(b.ok);
    assert.deepEqual(b.endpoints.map((e) => e.host), ['10.0.0.3']);
    const c = await made.resolver.resolve({ appId: 'c', namespace: 'default' });
    assert.equal(!c.ok && c.code, 'NOT_FOUND');
    assert.match(!c.ok ? c.message : '', /static: .*; static: /);
  });

  it('forwards watch pushes only from the resolver that answers for the app id', async () => {
    const pushes: Array<(eps: readonly Endpoint[]) => void> = [];
    const fake = (name: string, found: boolean): Resolver => ({
      name,
      init: async (_s: SelfRegistration) => undefined,
      resolve: async (req: ResolveRequest): Promise<ResolveResult> =>
        found ? { ok: true, endpoints: [{ host: name, port: 1, appId: req.appId }] } : { ok: false, code: 'NOT_FOUND', message: `${name} has none` },
      watch: (_req, cb) => (pushes.push(cb), () => undefined),
      close: async () => undefined,
    });
    const chain = new ResolverChain([fake('first', false), fake('second', true)], silentLogger);
    await chain.init(registration('self', 1));
    const seen: string[][] = [];
    chain.watch({ appId: 'x', namespace: 'default' }, (eps) => seen.push(eps.map((e) => e.host)));
    assert.ok((await chain.resolve({ appId: 'x', namespace: 'default' })).ok);
    pushes[0]!([{ host: 'from-first', port: 1, appId: 'x' }]);
    pushes[1]!([{ host: 'second-b', port: 1, appId: 'x' }]);
    assert.deepEqual(seen, [['second-b']]);
  });

  it('rejects a malformed fallback naming the field', () => {
    const unknown = createResolver('mdns', { fallback: ['etcd'] }, silentLogger);
    assert.match(!unknown.ok ? unknown.message : '', /unknown name resolution component "etcd" \(nameResolution\.configuration\.fallback\[0\]\.component\)/);
    const badStatic = createResolver('mdns', { fallback: [{ component: 'static', configuration: { apps: { a: 'nope' } } }] }, silentLogger);
    assert.match(!badStatic.ok ? badStatic.message : '', /nameResolution\.configuration\.fallback\[0\]\.configuration\.apps\["a"\]\[0\]/);
    const badShape = createResolver('mdns', { fallback: [42] }, silentLogger);
    assert.match(!badShape.ok ? badShape.message : '', /nameResolution\.configuration\.fallback\[0\]: must be a component name/);
    const unknownPrimary = createResolver('zookeeper', {}, silentLogger);
    assert.match(!unknownPrimary.ok ? unknownPrimary.message : '', /unknown name resolution component "zookeeper" \(spec\.nameResolution\.component\); known: consul, kubernetes, mdns, static/);
  });
});

describe('mdns under churn', () => {
  it('a watcher follows instances joining, leaving and coming back', async () => {
    const id = uniqueAppId('churn');
    const make = (): Resolver => {
      const r = mdnsResolverFactory.create({}, silentLogger);
      open.push(r);
      return r;
    };
    const client = make();
    await client.init(registration(uniqueAppId('churn-client'), 43100));
    const seen: string[] = [];
    const unwatch = client.watch!({ appId: id, namespace: 'default' }, (eps) => seen.push(eps.map((e) => e.port).sort().join(',')));
    const until = (want: string) => eventually(`the watcher to see [${want}]`, () => (seen.at(-1) === want ? true : undefined));

    const one = make();
    await one.init(registration(id, 43101));
    await until('43101');
    const two = make();
    await two.init(registration(id, 43102));
    await until('43101,43102');
    await one.close();
    await until('43102');
    const back = make();
    await back.init(registration(id, 43101));
    await until('43101,43102');
    const r = await client.resolve({ appId: id, namespace: 'default' });
    assert.ok(r.ok);
    assert.deepEqual(r.endpoints.map((e) => e.port).sort(), [43101, 43102]);
    unwatch();
  });
});
