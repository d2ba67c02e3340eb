import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mdnsResolverFactory } from '../../discovery/mdns';
import { AppEndpointPicker } from '../../discovery/round-robin';
import type { Endpoint, Resolver } from '../../discovery/contract';
import { silentLogger } from '../../observability/logger';
import { eventually, registration, uniqueAppId } from './helpers';

const open: Resolver[] = [];
function newResolver(configuration: Record<string, unknown> = {}): Resolver {
  const r = mdnsResolverFactory.create(configuration, silentLogger);
  open.push(r);
  return r;
}
after(async () => {
  await Promise.all(open.map((r) => r.close()));
});

const ports = (eps: readonly Endpoint[]): number[] => eps.map((e) => e.port).sort((a, b) => a - b);

describe('mdns resolver (one process)', () => {
  it('two resolvers find each other with no configuration', async () => {
    const idA = uniqueAppId('mdns-a');
    const idB = uniqueAppId('mdns-b');
    const a = newResolver();
    const b = newResolver();
    await a.init(registration(idA, 41001));
    await b.init(registration(idB, 41002));

    const fromA = await eventually('a to resolve b', async () => {
      const r = await a.resolve({ appId: idB, namespace: 'default' });
      return r.ok ? r : undefined;
    });
    assert.deepEqual(fromA.endpoints, [{ host: '127.0.0.1', port: 41002, appId: idB, namespace: 'default' }]);

    const fromB = await b.resolve({ appId: idA, namespace: 'default' });
    assert.ok(fromB.ok, JSON.stringify(fromB));
    assert.deepEqual(fromB.endpoints, [{ host: '127.0.0.1', port: 41001, appId: idA, namespace: 'default' }]);
  });

  it('a resolver resolves its own app id', async () => {
    const id = uniqueAppId('mdns-self');
    const a = newResolver();
    await a.init(registration(id, 41010));
    const r = await a.resolve({ appId: id, namespace: 'default' });
    assert.ok(r.ok);
    assert.deepEqual(ports(r.endpoints), [41010]);
  });

  it('an unknown app id is NOT_FOUND after the resolve timeout', async () => {
    const a = newResolver({ resolveTimeout: '300ms' });
    await a.init(registration(uniqueAppId('mdns-q'), 41020));
    const r = await a.resolve({ appId: uniqueAppId('nobody'), namespace: 'default' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'NOT_FOUND');
  });

  it('returns every instance of one app id, round-robins them, and drops one that says goodbye', async () => {
    const id = uniqueAppId('mdns-multi');
    const client = newResolver();
    const one = newResolver();
    const two = newResolver();
    await client.init(registration(uniqueAppId('mdns-client'), 41030));
    await one.init(registration(id, 41031));
    await two.init(registration(id, 41032));

    await eventually('both instances', async () => {
      const r = await client.resolve({ appId: id, namespace: 'default' });
      return r.ok && r.endpoints.length === 2 ? r : undefined;
    });
    const r = await client.resolve({ appId: id, namespace: 'default' });
    assert.ok(r.ok);
    assert.deepEqual(ports(r.endpoints), [41031, 41032]);
    assert.ok(r.endpoints.every((e) => e.appId === id && e.host === '127.0.0.1'));

    const picker = new AppEndpointPicker(client, { appId: id, namespace: 'default' });
    const counts = new Map<number, number>();
    for (let i = 0; i < 10; i++) {
      const p = await picker.pick();
      assert.ok(p.ok);
      counts.set(p.endpoint.port, (counts.get(p.endpoint.port) ?? 0) + 1);
    }
    assert.deepEqual([...counts.entries()].sort(), [[41031, 5], [41032, 5]]);

    const seen: number[][] = [];
    const unwatch = client.watch!({ appId: id, namespace: 'default' }, (eps) => seen.push(ports(eps)));
    await two.close();
    await eventually('goodbye to drop the closed instance', async () => {
      const now = await client.resolve({ appId: id, namespace: 'default' });
      return now.ok && now.endpoints.length === 1 ? now : undefined;
    });
    const after = await client.resolve({ appId: id, namespace: 'default' });
    assert.ok(after.ok);
    assert.deepEqual(ports(after.endpoints), [41031]);
    await eventually('watcher to see the removal', () => (seen.some((s) => s.length === 1 && s[0] === 41031) ? true : undefined));
    for (let i = 0; i < 4; i++) {
      const p = await picker.pick();
      assert.ok(p.ok);
      assert.equal(p.endpoint.port, 41031);
    }
    unwatch();
    picker.close();
  });

  it('a closed resolver is dropped, and resolving after close is a RESOLVER_ERROR', async () => {
    const idA = uniqueAppId('mdns-c1');
    const idB = uniqueAppId('mdns-c2');
    const a = newResolver({ resolveTimeout: '300ms' });
    const b = newResolver();
    await a.init(registration(idA, 41040));
    await b.init(registration(idB, 41041));
    await eventually('b visible', async () => ((await a.resolve({ appId: idB, namespace: 'default' })).ok ? true : undefined));
    await b.close();
    await eventually('b gone', async () => {
      const r = await a.resolve({ appId: idB, namespace: 'default' });
      return !r.ok && r.code === 'NOT_FOUND' ? true : undefined;
    });
    const closed = await b.resolve({ appId: idA, namespace: 'default' });
    assert.equal(!closed.ok && closed.code, 'RESOLVER_ERROR');
  });

  it('rejects a bad configuration and a bad registration', async () => {
    assert.throws(() => mdnsResolverFactory.create({ resolveTimeout: 'soon' }, silentLogger), /nameResolution\.configuration\.resolveTimeout/);
    assert.throws(() => mdnsResolverFactory.create({ interface: 'eth0' }, silentLogger), /nameResolution\.configuration\.interface/);
    const r = newResolver();
    await assert.rejects(r.init(registration('', 41060)), /app id is missing/);
  });
});
