/**
 * Output bindings through the HTTP route and the gRPC handler: bindings.http, bindings.redis,
 * bindings.postgresql, bindings.localstorage, plus daprd's errors for unknown bindings/operations.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { Code, ConnectError } from '@connectrpc/connect';
import type { ComponentInstance } from '../../components/contract';
import { httpBindingDriver } from '../../components/bindings/http-binding';
import { redisBindingDriver } from '../../components/bindings/redis-binding';
import { postgresBindingDriver } from '../../components/bindings/postgresql-binding';
import { localStorageBindingDriver } from '../../components/bindings/localstorage-binding';
import { cronBindingDriver } from '../../components/bindings/cron-binding';
import { BindingsApi } from '../../api/bindings/bindings-api';
import { bindingsRoutes } from '../../api/bindings/http-routes';
import { bindingsGrpcHandlers } from '../../api/bindings/grpc-handlers';
import { startApp, tempDir, type TestApp } from '../helpers/sidecar';
import { fetchJson, instance, serveRoutes, uid, type RouteServer } from './harness';

const PG = 'postgres://postgres@127.0.0.1:5432/test';

describe('output bindings', () => {
  let target: TestApp;
  let server: RouteServer;
  let api: BindingsApi;
  let redis: Redis;
  let dir: string;
  const insts: ComponentInstance[] = [];
  const table = `outrigger_binding_${process.pid}`;

  before(async () => {
    target = await startApp((req, res, body) => {
      if (req.url?.startsWith('/fail')) {
        res.writeHead(503);
        return res.end('down');
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-reply': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization ?? null, lower: req.headers.lower ?? null, body: body.toString('utf8') }));
    });
    dir = tempDir('outrigger-ls-');
    const bindings = new Map<string, ComponentInstance>([
      ['web', await instance(httpBindingDriver, 'web', { url: `http://127.0.0.1:${target.port}/api` })],
      ['kv', await instance(redisBindingDriver, 'kv', { redisHost: '127.0.0.1:6379' })],
      ['sql', await instance(postgresBindingDriver, 'sql', { connectionString: PG })],
      ['files', await instance(localStorageBindingDriver, 'files', { rootPath: dir })],
      ['tick', await instance(cronBindingDriver, 'tick', { schedule: '@every 1h' })],
      ['outonly', await instance(localStorageBindingDriver, 'outonly', { rootPath: dir })],
    ]);
    insts.push(...bindings.values());
    const md: Record<string, Record<string, string>> = { outonly: { direction: 'input' } };
    api = new BindingsApi({ bindings: () => bindings, metadataOf: (n) => md[n] ?? {} });
    server = await serveRoutes(bindingsRoutes(api, 1 << 20));
    redis = new Redis({ host: '127.0.0.1', port: 6379 });
  });
  after(async () => {
    await server.close();
    await target.close();
    for (const i of insts) await i.close();
    await redis.quit();
  });

  const invoke = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetchJson(`${server.url}/v1.0/bindings/${name}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  it('bindings.http: verb from the operation, path and capitalised metadata as headers, response metadata', async () => {
    const r = await invoke('web', { operation: 'post', data: { a: 1 }, metadata: { path: '/items', Authorization: 'Bearer t', lower: 'not-a-header' } }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    assert.equal(r.status, 200);
    const echo = r.json() as { method: string; url: string; auth: string; lower: string | null; body: string };
    assert.equal(echo.method, 'POST');
    assert.equal(echo.url, '/api/items');
    assert.equal(echo.auth, 'Bearer t');
    assert.equal(echo.lower, null);
    assert.equal(echo.body, '{"a":1}');
    assert.equal(r.headers.get('metadata.statusCode'), '201');
    assert.equal(r.headers.get('metadata.x-reply'), 'yes');
    const get = await invoke('web', { operation: 'get' });
    assert.equal((get.json() as { method: string }).method, 'GET');
    const fail = await invoke('web', { operation: 'get', metadata: { path: '/../fail' } });
    assert.equal(fail.status, 500);
    assert.equal((fail.json() as { errorCode: string }).errorCode, 'ERR_INVOKE_OUTPUT_BINDING');
  });

  it('bindings.redis: create (quoted JSON data), get, delete', async () => {
    const key = uid('bkey');
    assert.equal((await invoke('kv', { operation: 'create', data: 'hello', metadata: { key, ttlInSeconds: '60' } })).status, 204);
    assert.equal(await redis.get(key), '"hello"');
    assert.ok((await redis.ttl(key)) > 0);
    const got = await invoke('kv', { operation: 'get', metadata: { key } });
    assert.equal(got.status, 200);
    assert.equal(got.text, '"hello"');
    assert.equal((await invoke('kv', { operation: 'delete', metadata: { key } })).status, 204);
    assert.equal(await redis.exists(key), 0);
  });

  it('bindings.postgresql: exec with params, query as arrays of values', async () => {
    assert.equal((await invoke('sql', { operation: 'exec', metadata: { sql: `CREATE TABLE IF NOT EXISTS ${table} (id int, name text)` } })).status, 204);
    const ins = await invoke('sql', { operation: 'exec', metadata: { sql: `INSERT INTO ${table} VALUES ($1, $2), ($3, $4)`, params: '[1, "one", 2, "two"]' } });
    assert.equal(ins.headers.get('metadata.rows-affected'), '2');
    assert.equal(ins.headers.get('metadata.operation'), 'exec');
    const q = await invoke('sql', { operation: 'query', metadata: { sql: `SELECT id, name FROM ${table} ORDER BY id` } });
    assert.deepEqual(q.json(), [[1, 'one'], [2, 'two']]);
    await invoke('sql', { operation: 'exec', metadata: { sql: `DROP TABLE ${table}` } });
    const bad = await invoke('sql', { operation: 'query', metadata: { sql: 'SELECT * FROM no_such_table_xyz' } });
    assert.equal(bad.status, 500);
  });

  it('bindings.localstorage: create, get, list, delete; refuses paths outside rootPath', async () => {
    const c = await invoke('files', { operation: 'create', data: 'file body', metadata: { fileName: 'sub/a.txt' } });
    assert.deepEqual(c.json(), { fileName: 'sub/a.txt' });
    assert.equal(readFileSync(path.join(dir, 'sub/a.txt'), 'utf8'), 'file body');
    const b64 = await invoke('files', { operation: 'create', data: Buffer.from('binary!').toString('base64'), metadata: { fileName: 'b.bin' } });
    assert.equal(b64.status, 200);
    assert.equal(readFileSync(path.join(dir, 'b.bin'), 'utf8'), 'binary!');
    assert.equal((await invoke('files', { operation: 'get', metadata: { fileName: 'sub/a.txt' } })).text, 'file body');
    assert.deepEqual(((await invoke('files', { operation: 'list' })).json() as string[]).sort(), ['b.bin', 'sub/a.txt']);
    assert.equal((await invoke('files', { operation: 'delete', metadata: { fileName: 'b.bin' } })).status, 204);
    assert.equal((await invoke('files', { operation: 'get', metadata: { fileName: 'b.bin' } })).status, 500);
    assert.equal((await invoke('files', { operation: 'create', data: 'x', metadata: { fileName: '../escape.txt' } })).status, 500);
  });

  it('unknown binding, input-only binding and unsupported operation are ERR_INVOKE_OUTPUT_BINDING', async () => {
    const nf = await invoke('ghost', { operation: 'create' });
    assert.equal(nf.status, 500);
    assert.match((nf.json() as { message: string }).message, /couldn't find output binding ghost/);
    const dir = await invoke('outonly', { operation: 'list' });
    assert.equal(dir.status, 500);
    const op = await invoke('kv', { operation: 'explode', metadata: { key: 'k' } });
    assert.equal(op.status, 500);
    assert.match((op.json() as { message: string }).message, /does not support operation explode/);
    const bad = await fetchJson(`${server.url}/v1.0/bindings/kv`, { method: 'POST', body: '{not json' });
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as { errorCode: string }).errorCode, 'ERR_MALFORMED_REQUEST');
  });

  it('gRPC InvokeBinding passes raw bytes and returns data and metadata', async () => {
    const h = bindingsGrpcHandlers(api);
    const call = h.invokeBinding as unknown as (r: object) => Promise<{ data: Uint8Array; metadata: Record<string, string> }>;
    const key = uid('gkey');
    await call({ name: 'kv', operation: 'create', data: Buffer.from('raw bytes'), metadata: { key } });
    assert.equal(await redis.get(key), 'raw bytes');
    const got = await call({ name: 'kv', operation: 'get', data: new Uint8Array(0), metadata: { key } });
    assert.equal(Buffer.from(got.data).toString(), 'raw bytes');
    await redis.del(key);
    const web = await call({ name: 'web', operation: 'get', data: new Uint8Array(0), metadata: {} });
    assert.equal(web.metadata.statusCode, '201');
    const err = await call({ name: 'ghost', operation: 'create', data: new Uint8Array(0), metadata: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.Internal);
  });
});
