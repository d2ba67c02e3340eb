/** Secrets: local.file (nested, multiValued), local.env, scoping, errors over HTTP and gRPC, secretKeyRef. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Code, ConnectError } from '@connectrpc/connect';
import { localFileSecretDriver } from '../../components/secretstores/local/local-file-store';
import { LocalEnvSecretStore } from '../../components/secretstores/local/local-env-store';
import type { SecretStore } from '../../components/secretstores/contract';
import { SecretsApi } from '../../api/secrets/secrets-api';
import { secretAccess } from '../../api/secrets/scopes';
import { secretsRoutes } from '../../api/secrets/http-routes';
import { secretsGrpcHandlers } from '../../api/secrets/grpc-handlers';
import { createSecretResolver } from '../../runtime/secrets/resolver';
import { resolveComponentMetadata } from '../../config/component-metadata';
import { componentSchema } from '../../config/schemas/component';
import { tempDir } from '../helpers/sidecar';
import { fetchJson, instance, quietLogger, serveRoutes, type RouteServer } from './harness';
import { createLogger } from '../../observability/logger';

const fileContent = { db: { password: 'pw-123', user: 'admin' }, apiKey: 'k-1', list: ['a', 'b'] };

describe('secret stores and the secrets API', () => {
  let dir: string;
  let file: SecretStore;
  let multi: SecretStore;
  let colon: SecretStore;
  let env: SecretStore;
  let server: RouteServer;
  let api: SecretsApi;

  before(async () => {
    dir = tempDir('outrigger-secrets-');
    const f = path.join(dir, 'secrets.json');
    writeFileSync(f, JSON.stringify(fileContent));
    file = await instance(localFileSecretDriver, 'file', { secretsFile: f, nestedSeparator: '.' });
    colon = await instance(localFileSecretDriver, 'colon', { secretsFile: f });
    multi = await instance(localFileSecretDriver, 'multi', { secretsFile: f, multiValued: 'true' });
    env = new LocalEnvSecretStore({ name: 'env', type: 'secretstores.local.env', version: 'v1', metadata: {}, source: 'test' }, { MY_SECRET: 's3cr3t', OTHER: 'o', DAPR_API_TOKEN: 'tok', APP_API_TOKEN: 'apptok' });
    const stores = new Map<string, SecretStore>([['file', file], ['colon', colon], ['multi', multi], ['env', env]]);
    api = new SecretsApi({
      logger: quietLogger,
      stores: () => stores,
      access: secretAccess([
        { storeName: 'env', defaultAccess: 'deny', allowedSecrets: ['MY_SECRET'] },
        { storeName: 'colon', deniedSecrets: ['apiKey'] },
        { storeName: 'multi', defaultAccess: 'deny' },
      ]),
    });
    server = await serveRoutes(secretsRoutes(api));
  });
  after(async () => {
    await server.close();
  });

  it('local.file flattens nested keys with the separator (default ":")', async () => {
    assert.deepEqual(await file.getSecret('db.password', {}), { 'db.password': 'pw-123' });
    assert.deepEqual(await colon.getSecret('db:user', {}), { 'db:user': 'admin' });
    assert.deepEqual(await colon.getSecret('list:1', {}), { 'list:1': 'b' });
    assert.equal(await colon.getSecret('db', {}), undefined);
  });

  it('local.file multiValued returns the whole map of a top-level secret', async () => {
    assert.deepEqual(await multi.getSecret('db', {}), { password: 'pw-123', user: 'admin' });
    assert.deepEqual(await multi.getSecret('apiKey', {}), { apiKey: 'k-1' });
    assert.deepEqual(multi.features(), ['MULTIPLE_KEY_VALUES_PER_SECRET']);
  });

  it('HTTP GET /v1.0/secrets/{store}/{key} and /bulk', async () => {
    const r = await fetchJson(`${server.url}/v1.0/secrets/colon/db:password`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { 'db:password': 'pw-123' });
    const bulk = await fetchJson(`${server.url}/v1.0/secrets/colon/bulk`);
    assert.equal(bulk.status, 200);
    const b = bulk.json() as Record<string, Record<string, string>>;
    assert.deepEqual(b['db:user'], { 'db:user': 'admin' });
    assert.equal(b.apiKey, undefined, 'a denied secret is left out of bulk');
  });

  it('HTTP errors: unknown store 401, denied 403, missing secret 500', async () => {
    const unknown = await fetchJson(`${server.url}/v1.0/secrets/nope/x`);
    assert.equal(unknown.status, 401);
    assert.equal((unknown.json() as { errorCode: string }).errorCode, 'ERR_SECRET_STORE_NOT_FOUND');
    const denied = await fetchJson(`${server.url}/v1.0/secrets/colon/apiKey`);
    assert.equal(denied.status, 403);
    assert.equal((denied.json() as { errorCode: string }).errorCode, 'ERR_PERMISSION_DENIED');
    const missing = await fetchJson(`${server.url}/v1.0/secrets/colon/nothere`);
    assert.equal(missing.status, 500);
    assert.equal((missing.json() as { errorCode: string }).errorCode, 'ERR_SECRET_GET');
  });

  it('no secret store at all is ERR_SECRET_STORES_NOT_CONFIGURED', async () => {
    const empty = await serveRoutes(secretsRoutes({ logger: quietLogger, stores: () => new Map() }));
    try {
      const r = await fetchJson(`${empty.url}/v1.0/secrets/any/x`);
      assert.equal(r.status, 500);
      assert.equal((r.json() as { errorCode: string }).errorCode, 'ERR_SECRET_STORES_NOT_CONFIGURED');
    } finally {
      await empty.close();
    }
  });

  it('scopes: allowedSecrets decides alone; defaultAccess deny refuses the rest', async () => {
    assert.deepEqual((await fetchJson(`${server.url}/v1.0/secrets/env/MY_SECRET`)).json(), { MY_SECRET: 's3cr3t' });
    assert.equal((await fetchJson(`${server.url}/v1.0/secrets/env/OTHER`)).status, 403);
    assert.equal((await fetchJson(`${server.url}/v1.0/secrets/multi/db`)).status, 403);
    assert.deepEqual((await fetchJson(`${server.url}/v1.0/secrets/env/bulk`)).json(), { MY_SECRET: { MY_SECRET: 's3cr3t' } });
  });

  it('local.env never serves the sidecar tokens', async () => {
    assert.equal(await env.getSecret('DAPR_API_TOKEN', {}), undefined);
    const all = await env.bulkGetSecret({});
    assert.equal(all.APP_API_TOKEN, undefined);
    assert.deepEqual(all.OTHER, { OTHER: 'o' });
  });

  it('gRPC GetSecret / GetBulkSecret, errors as Dapr status codes', async () => {
    const h = secretsGrpcHandlers(api);
    const call = h.getSecret as unknown as (r: object) => Promise<{ data: Record<string, string> }>;
    assert.deepEqual((await call({ storeName: 'file', key: 'apiKey', metadata: {} })).data, { apiKey: 'k-1' });
    const bulk = await (h.getBulkSecret as unknown as (r: object) => Promise<{ data: Record<string, { secrets: Record<string, string> }> }>)({ storeName: 'file', metadata: {} });
    assert.deepEqual(bulk.data['db.user'], { secrets: { 'db.user': 'admin' } });
    const err = await call({ storeName: 'nope', key: 'x', metadata: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.InvalidArgument);
    const denied = await call({ storeName: 'colon', key: 'apiKey', metadata: {} }).catch((e: unknown) => e);
    assert.ok(denied instanceof ConnectError);
    assert.equal(denied.code, Code.PermissionDenied);
  });

  it('secretKeyRef in another component resolves through auth.secretStore', async () => {
    const stores = new Map<string, SecretStore>([['file', file], ['multi', multi]]);
    const resolveSecret = createSecretResolver((n) => stores.get(n));
    const comp = (store: string, name: string, key?: string) => componentSchema.parse({
      apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name: 'db' },
      auth: { secretStore: store },
      spec: { type: 'state.redis', version: 'v1', metadata: [{ name: 'redisPassword', secretKeyRef: key ? { name, key } : { name } }, { name: 'plain', value: 'x' }] },
    });
    const a = await resolveComponentMetadata(comp('file', 'db.password'), { appId: 'a', namespace: 'default', resolveSecret });
    assert.ok(a.ok);
    assert.deepEqual(a.metadata, { redisPassword: 'pw-123', plain: 'x' });
    const b = await resolveComponentMetadata(comp('multi', 'db', 'user'), { appId: 'a', namespace: 'default', resolveSecret });
    assert.ok(b.ok);
    assert.equal(b.metadata.redisPassword, 'admin');
    const missing = await resolveComponentMetadata(comp('file', 'nope'), { appId: 'a', namespace: 'default', resolveSecret });
    assert.equal(missing.ok, false);
    const noStore = await resolveComponentMetadata(comp('ghost', 'db.password'), { appId: 'a', namespace: 'default', resolveSecret });
    assert.equal(noStore.ok, false);
    if (!noStore.ok) assert.match(noStore.issue.message, /ghost/);
  });

  it('secret values never reach the logs, even at debug level', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', json: true, sink: (l) => lines.push(l) });
    const down = async (): Promise<never> => { throw new Error('backend down'); };
    const failing: SecretStore = { init: async () => undefined, features: () => [], close: async () => undefined, getSecret: down, bulkGetSecret: down };
    const stores = new Map<string, SecretStore>([['file', file], ['env', env], ['failing', failing]]);
    const logged = await serveRoutes(secretsRoutes({ logger, stores: () => stores }));
    try {
      for (const p of ['file/db.password', 'file/bulk', 'env/MY_SECRET', 'env/bulk', 'failing/MY_SECRET', 'file/missing']) await fetchJson(`${logged.url}/v1.0/secrets/${p}`);
    } finally {
      await logged.close();
    }
    assert.ok(lines.length > 0, 'the failing store is logged at debug level');
    for (const v of ['pw-123', 'admin', 'k-1', 's3cr3t']) assert.ok(!lines.some((l) => l.includes(v)), `value ${v} is not logged`);
  });

  it('a broken secrets file fails init without echoing its content', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"pw": "topsecret-value", oops}');
    const err = await instance(localFileSecretDriver, 'bad', { secretsFile: bad }).catch((e: unknown) => e as Error);
    assert.ok(err instanceof Error);
    assert.doesNotMatch(err.message, /topsecret-value/);
  });
});
