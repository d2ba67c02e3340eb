import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStaticConfig, staticResolverFactory } from '../../discovery/static';
import { silentLogger } from '../../observability/logger';
import { registration } from './helpers';

describe('static resolver', () => {
  it('resolves configured apps, preferring a namespaced entry', async () => {
    const r = staticResolverFactory.create(
      { apps: { orders: ['127.0.0.1:50002', 'orders.internal:50003'], 'orders.prod': ['[fd00::7]:50004'], single: '10.1.2.3:7000' } },
      silentLogger,
    );
    await r.init(registration('caller', 40000));
    assert.deepEqual(await r.resolve({ appId: 'orders', namespace: 'default' }), {
      ok: true,
      endpoints: [
        { host: '127.0.0.1', port: 50002, appId: 'orders' },
        { host: 'orders.internal', port: 50003, appId: 'orders' },
      ],
    });
    assert.deepEqual(await r.resolve({ appId: 'orders', namespace: 'prod' }), {
      ok: true,
      endpoints: [{ host: 'fd00::7', port: 50004, appId: 'orders', namespace: 'prod' }],
    });
    assert.deepEqual(await r.resolve({ appId: 'single', namespace: 'default' }), { ok: true, endpoints: [{ host: '10.1.2.3', port: 7000, appId: 'single' }] });
    const missing = await r.resolve({ appId: 'payments', namespace: 'default' });
    assert.equal(!missing.ok && missing.code, 'NOT_FOUND');
    await r.close();
    const closed = await r.resolve({ appId: 'orders', namespace: 'default' });
    assert.equal(!closed.ok && closed.code, 'RESOLVER_ERROR');
  });

  it('names the bad field in configuration errors', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /nameResolution\.configuration\.apps: is required/],
      [['a:1'], /nameResolution\.configuration\.apps: must be a map/],
      [{ orders: [] }, /apps\["orders"\]: must be a non-empty list/],
      [{ orders: ['127.0.0.1:1', 'nohost'] }, /apps\["orders"\]\[1\]: "nohost": expected "host:port"/],
      [{ orders: ['127.0.0.1:70000'] }, /apps\["orders"\]\[0\]: .*port 70000 is out of range/],
      [{ orders: [42] }, /apps\["orders"\]\[0\]: 42 is not a string/],
      [{ orders: ['[not-v6]:80'] }, /apps\["orders"\]\[0\]: .*is not a valid host/],
      [{ orders: ['bad host:80'] }, /apps\["orders"\]\[0\]: .*is not a valid host/],
    ];
    for (const [apps, pattern] of cases) {
      const res = parseStaticConfig(apps === undefined ? {} : { apps });
      assert.equal(res.ok, false, JSON.stringify(apps));
      assert.match(!res.ok ? res.message : '', pattern);
    }
    assert.throws(() => staticResolverFactory.create({ apps: { x: ['y'] } }, silentLogger), /static: nameResolution\.configuration\.apps\["x"\]\[0\]/);
  });
});
