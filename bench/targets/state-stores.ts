/**
 * The state building block scenario's setup: a sidecar (no app) whose resources hold a
 * state.sqlite component (embedded, its own db file) and, when Redis answers on 127.0.0.1:6379, a
 * state.redis component; the direct baselines' own database file / key prefix; the keys that get
 * reads, written before the measured runs through each path; Redis keys removed afterwards.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { openSqliteBaseline, redisBaseline } from '../load/store-direct';
import type { HttpTargetSpec, StoreTargetSpec } from '../load/types';
import { startSidecar } from './sidecar';
import { componentYaml } from '../../test/helpers/resource-yaml';
import type { Launched } from '../proc/processes';
import type { TargetContext } from './types';

export type StoreKind = 'sqlite' | 'redis';
export type StateOp = 'save' | 'get';

export const STATE_APP_ID = 'bench-state';
export const REDIS_PORT = 6379;
export const STATE_KEYS = 100;
export const VALUE_BYTES = 1024;
/** A 1 KB JSON document: {"v":"xxx...x"}. */
export const STATE_VALUE = `{"v":"${'x'.repeat(VALUE_BYTES - 8)}"}`;
const COMPONENT: Record<StoreKind, string> = { sqlite: 'bench-sqlite', redis: 'bench-redis' };

export interface StateSetup {
  readonly sidecar: Launched;
  readonly httpPort: number;
  readonly stores: readonly StoreKind[];
  readonly sqliteDirectFile: string;
  /** Sidecar keys are <prefix><n> (the sidecar stores them as bench-state||<prefix><n>). */
  readonly sidecarPrefix: string;
  readonly directPrefix: string;
}

/** Undefined when Redis answers PING on 127.0.0.1:6379, else why not. */
export async function redisUnavailable(timeoutMs: number): Promise<string | undefined> {
  const r = redisBaseline(REDIS_PORT, timeoutMs);
  try {
    await r.client.ping();
    return undefined;
  } catch (e) {
    return `Redis not reachable on 127.0.0.1:${REDIS_PORT}: ${(e as Error).message}`;
  } finally {
    r.client.disconnect();
  }
}

export async function startStateSidecar(ctx: TargetContext, stores: readonly StoreKind[]): Promise<{ ok: true; setup: StateSetup } | { ok: false; reason: string }> {
  const dir = join(ctx.tmpDir, 'state');
  const resourcesPath = join(dir, 'resources');
  await mkdir(resourcesPath, { recursive: true });
  await writeFile(join(resourcesPath, 'sqlite.yaml'), componentYaml(COMPONENT.sqlite, 'state.sqlite', { connectionString: join(dir, 'sidecar.db') }));
  if (stores.includes('redis')) await writeFile(join(resourcesPath, 'redis.yaml'), componentYaml(COMPONENT.redis, 'state.redis', { redisHost: `127.0.0.1:${REDIS_PORT}` }));
  const r = await startSidecar(ctx, 'state-sidecar', { appId: STATE_APP_ID, resourcesPath, mtls: false });
  if (!r.ok) return r;
  const run = randomBytes(4).toString('hex');
  return {
    ok: true,
    setup: { sidecar: r.proc, httpPort: r.ports.http, stores, sqliteDirectFile: join(dir, 'direct.db'), sidecarPrefix: `k-${run}-`, directPrefix: `bench-direct-${run}||k-` },
  };
}

/** Where the load generator sends one operation through the sidecar's state API. */
export function sidecarSpec(s: StateSetup, store: StoreKind, op: StateOp): HttpTargetSpec {
  const base = `/v1.0/state/${COMPONENT[store]}`;
  const common = { protocol: 'http' as const, port: s.httpPort, keyCount: STATE_KEYS, keyPrefix: s.sidecarPrefix };
  return op === 'save'
    ? { ...common, path: base, method: 'POST', headers: { 'content-type': 'application/json' }, body: `[{"key":"{key}","value":${STATE_VALUE}}]`, expectStatus: 204 }
    : { ...common, path: `${base}/{key}`, headers: {} };
}

export function directSpec(s: StateSetup, store: StoreKind, op: StateOp): StoreTargetSpec {
  return {
    protocol: 'store-direct', store, op, value: STATE_VALUE, keyPrefix: s.directPrefix, keyCount: STATE_KEYS,
    ...(store === 'sqlite' ? { file: s.sqliteDirectFile, table: 'state' } : { port: REDIS_PORT }),
  };
}

/** Writes the STATE_KEYS keys through both paths; an error string when a path does not work. */
export async function prepareKeys(s: StateSetup, store: StoreKind, timeoutMs: number): Promise<{ sidecar?: string; direct?: string }> {
  const out: { sidecar?: string; direct?: string } = {};
  const items = Array.from({ length: STATE_KEYS }, (_, i) => `{"key":"${s.sidecarPrefix}${i}","value":${STATE_VALUE}}`);
  try {
    const res = await request(`http://127.0.0.1:${s.httpPort}/v1.0/state/${COMPONENT[store]}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: `[${items.join(',')}]`, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 204) out.sidecar = `save through the sidecar -> ${res.statusCode} ${text.slice(0, 200)}`;
  } catch (e) {
    out.sidecar = `save through the sidecar failed: ${(e as Error).message}`;
  }
  try {
    if (store === 'sqlite') {
      const b = openSqliteBaseline(s.sqliteDirectFile, 'state');
      for (let i = 0; i < STATE_KEYS; i++) b.save(`${s.directPrefix}${i}`, STATE_VALUE);
      b.db.close();
    } else {
      const b = redisBaseline(REDIS_PORT, timeoutMs);
      try {
        for (let i = 0; i < STATE_KEYS; i++) await b.save(`${s.directPrefix}${i}`, STATE_VALUE);
      } finally {
        b.client.disconnect();
      }
    }
  } catch (e) {
    out.direct = `direct save failed: ${(e as Error).message}`;
  }
  return out;
}

/** Removes the run's keys from Redis (both paths); best effort. */
export async function cleanupRedis(s: StateSetup, timeoutMs: number): Promise<void> {
  const b = redisBaseline(REDIS_PORT, timeoutMs);
  try {
    const keys = Array.from({ length: STATE_KEYS }, (_, i) => [`${STATE_APP_ID}||${s.sidecarPrefix}${i}`, `${s.directPrefix}${i}`]).flat();
    await b.client.del(...keys);
  } catch {
    /* best effort */
  } finally {
    b.client.disconnect();
  }
}
