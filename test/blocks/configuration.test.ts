/**
 * Configuration API on configuration.redis ("value||version", keyspace notifications) and
 * configuration.postgresql (table + trigger + LISTEN/NOTIFY): get, HTTP subscribe delivering
 * POST /configuration/<store>/<key> to a real app, the gRPC stream, unsubscribe, errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { Client } from 'pg';
import { redisConfigurationDriver } from '../../components/configuration/redis/redis-configuration';
import { postgresConfigurationDriver } from '../../components/configuration/postgresql/postgresql-configuration';
import type { ConfigurationStore } from '../../components/configuration/contract';
import { ConfigurationApi } from '../../api/configuration/configuration-api';
import { configurationRoutes } from '../../api/configuration/http-routes';
import { configurationGrpcHandlers } from '../../api/configuration/grpc-handlers';
import { HttpAppChannel } from '../../runtime/app-channel/http-app-channel';
import { startApp, type TestApp } from '../helpers/sidecar';
import { eventually, fetchJson, instance, quietLogger, serveRoutes, uid, type RouteServer } from './harness';

const PG = 'host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable';
const TABLE = 'outrigger_config_test';
const CHANNEL = 'outrigger_config_test_ch';

interface Posted { path: string; body: { id: string; items: Record<string, { value: string; version: string }> } }

type StreamMsg = { id: string; items: Record<string, { value: string; version: string }> };
type SubscribeFn = (req: object, ctx: { signal: AbortSignal }) => AsyncGenerator<StreamMsg>;

describe('configuration API', () => {
  let redis: Redis;
  let pg: Client;
  let redisStore: ConfigurationStore;
  let pgStore: ConfigurationStore;
  let app: TestApp;
  let server: RouteServer;
  let api: ConfigurationApi;
  const posted: Posted[] = [];
  const prefix = uid('cfg');

  before(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379 });
    const cur = ((await redis.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '';
    if (!cur.includes('K') || !cur.includes('A')) await redis.config('SET', 'notify-keyspace-events', `${cur}KA`);
    pg = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await pg.connect();
    await pg.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (KEY VARCHAR NOT NULL, VALUE VARCHAR NOT NULL, VERSION VARCHAR NOT NULL, METADATA JSON)`);
    await pg.query(`CREATE OR REPLACE FUNCTION ${TABLE}_notify() RETURNS TRIGGER AS $$
      DECLARE data json; notification json;
      BEGIN
        IF (TG_OP = 'DELETE') THEN data = row_to_json(OLD); ELSE data = row_to_json(NEW); END IF;
        notification = json_build_object('table', TG_TABLE_NAME, 'action', TG_OP, 'data', data);
        PERFORM pg_notify('${CHANNEL}', notification::text);
        RETURN NULL;
      END; $$ LANGUAGE plpgsql`);
    await pg.query(`DROP TRIGGER IF EXISTS ${TABLE}_trg ON ${TABLE}`);
    await pg.query(`CREATE TRIGGER ${TABLE}_trg AFTER INSERT OR UPDATE OR DELETE ON ${TABLE} FOR EACH ROW EXECUTE PROCEDURE ${TABLE}_notify()`);
    redisStore = await instance(redisConfigurationDriver, 'rconf', { redisHost: '127.0.0.1:6379' });
    pgStore = await instance(postgresConfigurationDriver, 'pconf', { connectionString: PG, table: TABLE });
    app = await startApp((req, res, body) => {
      posted.push({ path: req.url ?? '', body: JSON.parse(body.toString('utf8') || '{}') as Posted['body'] });
      res.writeHead(200);
      res.end();
    });
    const channel = new HttpAppChannel({ appId: 'cfg-app', namespace: 'default', protocol: 'http', host: '127.0.0.1', port: app.port, maxConcurrency: -1, maxBodySize: 1 << 20 });
    api = new ConfigurationApi({ logger: quietLogger, stores: () => new Map([['rconf', redisStore], ['pconf', pgStore]]) });
    server = await serveRoutes(configurationRoutes({ api, appChannel: () => channel, logger: quietLogger }));
  });
  after(async () => {
    await api.closeAll();
    await server.close();
    await app.close();
    await redisStore.close();
    await pgStore.close();
    await pg.query(`DELETE FROM ${TABLE} WHERE key LIKE $1`, [`${prefix}%`]);
    await pg.end();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('redis: GET /v1.0/configuration/{store}?key= parses value||version; 204 for none', async () => {
    await redis.set(`${prefix}-a`, 'hello||1');
    await redis.set(`${prefix}-b`, 'plain');
    const r = await fetchJson(`${server.url}/v1.0/configuration/rconf?key=${prefix}-a&key=${prefix}-b&key=${prefix}-missing`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { [`${prefix}-a`]: { value: 'hello', version: '1', metadata: {} }, [`${prefix}-b`]: { value: 'plain', version: '', metadata: {} } });
    const alpha = await fetchJson(`${server.url}/v1.0-alpha1/configuration/rconf?key=${prefix}-a`);
    assert.equal(alpha.status, 200);
    assert.equal((await fetchJson(`${server.url}/v1.0/configuration/rconf?key=${prefix}-none`)).status, 204);
    const all = (await redisStore.get([], {}));
    assert.equal(all[`${prefix}-a`]?.value, 'hello');
  });

  it('redis: an HTTP subscription posts each change made in Redis to the app, until unsubscribed', async () => {
    const key = `${prefix}-sub`;
    const sub = await fetchJson(`${server.url}/v1.0/configuration/rconf/subscribe?key=${key}`);
    assert.equal(sub.status, 200);
    const { id } = sub.json() as { id: string };
    assert.ok(id);
    await redis.set(key, 'v1||7');
    const got = await eventually(() => posted.find((p) => p.path === `/configuration/rconf/${key}`), 10_000, 'the update POST');
    assert.equal(got.body.id, id);
    assert.deepEqual(got.body.items[key], { value: 'v1', version: '7', metadata: {} });
    const un = await fetchJson(`${server.url}/v1.0/configuration/rconf/${id}/unsubscribe`);
    assert.equal(un.status, 200);
    assert.deepEqual(un.json(), { ok: true });
    const again = await fetchJson(`${server.url}/v1.0/configuration/rconf/${id}/unsubscribe`);
    assert.equal(again.status, 500);
    assert.equal((again.json() as { ok: boolean }).ok, false);
  });

  it('redis: the gRPC stream sends the id first, then updates; cancelling ends it', async () => {
    const key = `${prefix}-grpc`;
    const h = configurationGrpcHandlers(api);
    const ac = new AbortController();
    const stream = (h.subscribeConfiguration as unknown as SubscribeFn)({ storeName: 'rconf', keys: [key], metadata: {} }, { signal: ac.signal });
    const first = await stream.next();
    assert.equal(first.done, false);
    const id = (first.value as StreamMsg).id;
    assert.ok(id);
    assert.deepEqual((first.value as StreamMsg).items, {});
    await redis.set(key, 'x||2');
    const upd = await stream.next();
    assert.deepEqual((upd.value as StreamMsg).items[key], { value: 'x', version: '2', metadata: {} });
    await redis.del(key);
    const del = await stream.next();
    assert.deepEqual((del.value as StreamMsg).items[key], { value: '', version: '', metadata: {} });
    const end = stream.next();
    const un = await (h.unsubscribeConfiguration as unknown as (r: object) => Promise<{ ok: boolean }>)({ storeName: 'rconf', id });
    assert.equal(un.ok, true);
    assert.equal((await end).done, true);
    ac.abort();
  });

  it('postgresql: get and changes through the trigger reach HTTP and gRPC subscribers', async () => {
    const key = `${prefix}-pg`;
    await pg.query(`INSERT INTO ${TABLE} (key, value, version, metadata) VALUES ($1, 'one', '1', '{"owner":"ops"}')`, [key]);
    const r = await fetchJson(`${server.url}/v1.0/configuration/pconf?key=${key}`);
    assert.deepEqual(r.json(), { [key]: { value: 'one', version: '1', metadata: { owner: 'ops' } } });

    const h = configurationGrpcHandlers(api);
    const ac = new AbortController();
    const stream = (h.subscribeConfiguration as unknown as SubscribeFn)({ storeName: 'pconf', keys: [key], metadata: { pgNotifyChannel: CHANNEL } }, { signal: ac.signal });
    await stream.next();
    const sub = await fetchJson(`${server.url}/v1.0/configuration/pconf/subscribe?key=${key}&metadata.pgNotifyChannel=${CHANNEL}`);
    assert.equal(sub.status, 200);
    const { id } = sub.json() as { id: string };

    await pg.query(`UPDATE ${TABLE} SET value = 'two', version = '2' WHERE key = $1`, [key]);
    const upd = await stream.next();
    assert.deepEqual((upd.value as StreamMsg).items[key], { value: 'two', version: '2', metadata: { owner: 'ops' } });
    const got = await eventually(() => posted.find((p) => p.path === `/configuration/pconf/${key}`), 10_000, 'the update POST');
    assert.equal(got.body.id, id);
    assert.equal(got.body.items[key]?.value, 'two');
    ac.abort();
    assert.equal((await stream.next()).done, true);
    assert.deepEqual((await fetchJson(`${server.url}/v1.0/configuration/pconf/${id}/unsubscribe`)).json(), { ok: true });
  });

  it('errors: unknown store 400, subscribe without pgNotifyChannel 500, none configured 500', async () => {
    const nf = await fetchJson(`${server.url}/v1.0/configuration/nope?key=a`);
    assert.equal(nf.status, 400);
    assert.equal((nf.json() as { errorCode: string }).errorCode, 'ERR_CONFIGURATION_STORE_NOT_FOUND');
    const sub = await fetchJson(`${server.url}/v1.0/configuration/pconf/subscribe?key=a`);
    assert.equal(sub.status, 500);
    assert.equal((sub.json() as { errorCode: string }).errorCode, 'ERR_CONFIGURATION_SUBSCRIBE');
    const empty = await serveRoutes(configurationRoutes({ api: new ConfigurationApi({ logger: quietLogger, stores: () => new Map() }), appChannel: () => undefined, logger: quietLogger }));
    try {
      const r = await fetchJson(`${empty.url}/v1.0/configuration/any`);
      assert.equal(r.status, 500);
      assert.equal((r.json() as { errorCode: string }).errorCode, 'ERR_CONFIGURATION_STORE_NOT_CONFIGURED');
      const s = await fetchJson(`${empty.url}/v1.0/configuration/any/subscribe`);
      assert.equal((s.json() as { errorCode: string }).errorCode, 'ERR_APP_CHANNEL_NIL');
    } finally {
      await empty.close();
    }
  });
});
