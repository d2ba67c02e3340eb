import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConsulDouble } from './consul-double/server';

/** Raw HTTP against the double, to pin down the API semantics the resolver relies on. */
async function call(d: ConsulDouble, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; index: number | undefined; body: unknown }> {
  const res = await fetch(`${d.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const idx = res.headers.get('x-consul-index');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, index: idx === null ? undefined : Number(idx), body: parsed };
}

describe('Consul agent/health API (Consul API test double)', () => {
  let d: ConsulDouble;
  before(async () => {
    d = await ConsulDouble.start({ runChecks: false });
  });
  after(async () => {
    await d.close();
  });

  it('registers with a TTL check, lists it, filters on passing, deregisters; the index only goes up', async () => {
    const first = await call(d, 'GET', '/v1/health/service/orders');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, []);
    assert.ok(first.index !== undefined && first.index > 0);

    const reg = { Name: 'orders', ID: 'orders-1', Address: '10.0.0.1', Port: 3000, Meta: { DAPR_PORT: '50002' }, Check: { CheckID: 'c1', TTL: '30s' } };
    assert.equal((await call(d, 'PUT', '/v1/agent/service/register', reg)).status, 200);
    const all = await call(d, 'GET', '/v1/health/service/orders');
    assert.ok(all.index! > first.index!);
    const entries = all.body as Array<{ Service: { ID: string; Port: number; Meta: Record<string, string> }; Checks: Array<{ CheckID: string; Status: string }> }>;
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.Service.ID, 'orders-1');
    assert.deepEqual(entries[0]!.Service.Meta, { DAPR_PORT: '50002' });
    assert.deepEqual(entries[0]!.Checks.map((c) => [c.CheckID, c.Status]), [['serfHealth', 'passing'], ['c1', 'critical']]);
    assert.deepEqual((await call(d, 'GET', '/v1/health/service/orders?passing=true')).body, []);

    assert.equal((await call(d, 'PUT', '/v1/agent/check/pass/c1')).status, 200);
    const passing = await call(d, 'GET', '/v1/health/service/orders?passing=true');
    assert.equal((passing.body as unknown[]).length, 1);
    assert.ok(passing.index! > all.index!);
    const checks = (await call(d, 'GET', '/v1/agent/checks')).body as Record<string, { Status: string; ServiceID: string }>;
    assert.equal(checks.c1?.Status, 'passing');
    assert.equal(checks.c1?.ServiceID, 'orders-1');

    assert.equal((await call(d, 'PUT', '/v1/agent/service/deregister/orders-1')).status, 200);
    const gone = await call(d, 'GET', '/v1/health/service/orders');
    assert.deepEqual(gone.body, []);
    assert.ok(gone.index! > passing.index!);
    assert.equal((await call(d, 'PUT', '/v1/agent/service/deregister/orders-1')).status, 404);
  });

  it('rejects a registration without a name, and a check without interval or TTL', async () => {
    const noName = await call(d, 'PUT', '/v1/agent/service/register', { ID: 'x' });
    assert.equal(noName.status, 400);
    assert.match(String(noName.body), /Missing service name/);
    const badCheck = await call(d, 'PUT', '/v1/agent/service/register', { Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/' } });
    assert.equal(badCheck.status, 400);
  });

  it('a blocking query is held until the index changes, and returns unchanged when the wait elapses', async () => {
    const start = await call(d, 'GET', '/v1/health/service/blocking');
    // Nothing changes: the wait elapses and the same index comes back.
    const idle = await call(d, 'GET', `/v1/health/service/blocking?index=${start.index}&wait=150ms`);
    assert.equal(idle.index, start.index);
    // A registration while the query is held releases it with a higher index and the new entry.
    let released = false;
    const held = call(d, 'GET', `/v1/health/service/blocking?index=${start.index}&wait=30s`).then((r) => ((released = true), r));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(released, false);
    await call(d, 'PUT', '/v1/agent/service/register', { Name: 'blocking', ID: 'blocking-1', Port: 1 });
    const changed = await held;
    assert.ok(changed.index! > start.index!);
    assert.equal((changed.body as unknown[]).length, 1);
    // Writes to other services do not release it.
    const other = call(d, 'GET', `/v1/health/service/blocking?index=${changed.index}&wait=200ms`);
    await call(d, 'PUT', '/v1/agent/service/register', { Name: 'unrelated', Port: 1 });
    assert.equal((await other).index, changed.index);
  });

  it('runs HTTP checks against the URL: 2xx passing, other codes critical', async () => {
    const { createServer } = await import('node:http');
    let code = 200;
    const app = createServer((_req, res) => res.writeHead(code).end());
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const port = (app.address() as import('node:net').AddressInfo).port;
    const live = await ConsulDouble.start();
    try {
      await call(live, 'PUT', '/v1/agent/service/register', { Name: 'web', Check: { CheckID: 'h', HTTP: `http://127.0.0.1:${port}/`, Interval: '100ms' } });
      const status = async (): Promise<string | undefined> => ((await call(live, 'GET', '/v1/agent/checks')).body as Record<string, { Status: string }>).h?.Status;
      const until = async (want: string): Promise<void> => {
        for (let i = 0; i < 200 && (await status()) !== want; i++) await new Promise((r) => setTimeout(r, 25));
        assert.equal(await status(), want);
      };
      await until('passing');
      code = 503;
      await until('critical');
    } finally {
      await live.close();
      app.closeAllConnections();
      await new Promise<void>((r) => app.close(() => r()));
    }
  });

  it('enforces the ACL token when one is configured', async () => {
    const secured = await ConsulDouble.start({ aclToken: 's3cret', runChecks: false });
    try {
      assert.equal((await call(secured, 'GET', '/v1/agent/self')).status, 403);
      assert.match(String((await call(secured, 'GET', '/v1/agent/self', undefined, { 'x-consul-token': 'nope' })).body), /ACL not found/);
      assert.equal((await call(secured, 'GET', '/v1/agent/self', undefined, { 'x-consul-token': 's3cret' })).status, 200);
      assert.equal((await call(secured, 'GET', '/v1/agent/self?token=s3cret')).status, 200);
    } finally {
      await secured.close();
    }
  });
});
