import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResolvers, createResolver, ResolverRegistry } from '../../discovery/registry';
import { silentLogger } from '../../observability/logger';

describe('resolver registry', () => {
  it('creates the built-in resolvers by name, mdns by default', async () => {
    const def = createResolver(undefined, undefined, silentLogger);
    assert.ok(def.ok);
    assert.equal(def.resolver.name, 'mdns');
    await def.resolver.close();
    const st = createResolver('static', { apps: { a: ['127.0.0.1:1'] } }, silentLogger);
    assert.ok(st.ok);
    assert.equal(st.resolver.name, 'static');
    assert.deepEqual(builtinResolvers().names(), ['consul', 'kubernetes', 'mdns', 'static']);
  });

  it('returns a clear error for an unknown name or a bad configuration', () => {
    const unknown = createResolver('zookeeper', {}, silentLogger);
    assert.equal(unknown.ok, false);
    assert.match(!unknown.ok ? unknown.message : '', /unknown name resolution component "zookeeper".*known: consul, kubernetes, mdns, static/);
    const bad = createResolver('static', { apps: { a: ['x'] } }, silentLogger);
    assert.match(!bad.ok ? bad.message : '', /apps\["a"\]\[0\]/);
  });

  it('refuses a second factory with the same name', () => {
    const reg = new ResolverRegistry();
    const f = { name: 'x', create: () => { throw new Error('unused'); } };
    reg.register(f);
    assert.throws(() => reg.register(f), /already registered/);
  });
});
