/**
 * The state building block's baseline: the store's own Node client called from the generator,
 * doing the work the sidecar's driver does per operation (components/state/sqlite/sqlite-store.ts,
 * components/state/redis/redis-store.ts) minus the HTTP API and the sidecar process:
 * - sqlite (better-sqlite3, WAL, synchronous=NORMAL, Dapr's table shape): save = one IMMEDIATE
 *   transaction reading the current row then upserting with a fresh UUID etag; get = the same
 *   SELECT with the expiry condition. better-sqlite3 is synchronous: concurrent loops serialise.
 * - redis (ioredis): the driver's own Lua scripts (MULTI_SCRIPT for save, GET_SCRIPT for get).
 * The runner creates the table and writes the keys that get reads before the run.
 */
import Database from 'better-sqlite3';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { GET_SCRIPT, MULTI_SCRIPT } from '../../components/state/redis/scripts';
import type { Requester } from './requester';
import { eventLoopYielder } from './sync-yield';
import type { StoreTargetSpec } from './types';

interface ScriptClient {
  daprStateGetBuffer(key: string): Promise<[Buffer, Buffer, number] | null>;
  daprStateMulti(numKeys: number, ...args: string[]): Promise<number>;
}

const NOW = "strftime('%Y-%m-%d %H:%M:%f','now')";
const LIVE = `(expiration_time IS NULL OR expiration_time > ${NOW})`;

/** Table layout of state.sqlite (Dapr's), for the runner to create the baseline's database. */
export function sqliteStateTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, is_binary BOOLEAN NOT NULL, etag TEXT NOT NULL,
    expiration_time TIMESTAMP DEFAULT NULL, update_time TIMESTAMP DEFAULT NULL)`;
}

export function openSqliteBaseline(file: string, table: string): { db: Database.Database; save: (key: string, value: string) => void; get: (key: string) => string | undefined } {
  const db = new Database(file, { timeout: 2000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(sqliteStateTableSql(table));
  const select = db.prepare<[string], { value: string; etag: string }>(`SELECT key, value, is_binary, etag, expiration_time FROM ${table} WHERE key = ? AND ${LIVE}`);
  const upsert = db.prepare(`INSERT INTO ${table} (key, value, is_binary, etag, expiration_time, update_time) VALUES (?, ?, ?, ?, ?, ${NOW})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, is_binary = excluded.is_binary, etag = excluded.etag,
    expiration_time = excluded.expiration_time, update_time = excluded.update_time`);
  const tx = db.transaction((key: string, value: string) => {
    select.get(key);
    upsert.run(key, value, 0, randomUUID(), null);
  });
  return { db, save: (key, value) => tx.immediate(key, value), get: (key) => select.get(key)?.value };
}

export function redisBaseline(port: number, timeoutMs: number): { client: Redis; save: (key: string, value: string) => Promise<void>; get: (key: string) => Promise<Buffer | undefined> } {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, commandTimeout: timeoutMs, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => undefined);
  client.defineCommand('daprStateGet', { numberOfKeys: 1, lua: GET_SCRIPT });
  client.defineCommand('daprStateMulti', { lua: MULTI_SCRIPT });
  const s = client as unknown as ScriptClient;
  return {
    client,
    save: async (key, value) => void (await s.daprStateMulti(1, key, 's', '', value, '0', '-1')),
    get: async (key) => (await s.daprStateGetBuffer(key))?.[0],
  };
}

export function storeDirectRequester(t: StoreTargetSpec, timeoutMs: number, expectBytes: number): Requester {
  let n = 0;
  const nextKey = (): string => `${t.keyPrefix}${n++ % t.keyCount}`;
  const size = (got: number): string | undefined => (expectBytes > 0 && got !== expectBytes ? `value ${got} bytes, expected ${expectBytes}` : undefined);
  if (t.store === 'sqlite') {
    if (!t.file) throw new Error('store-direct sqlite needs a file');
    const b = openSqliteBaseline(t.file, t.table ?? 'state');
    const maybeYield = eventLoopYielder();
    return {
      async send() {
        await maybeYield();
        try {
          if (t.op === 'save') {
            b.save(nextKey(), t.value);
            return undefined;
          }
          const v = b.get(nextKey());
          return v === undefined ? 'key not found' : size(Buffer.byteLength(v));
        } catch (e) {
          return (e as { code?: string }).code ?? (e as Error).message;
        }
      },
      async close() {
        b.db.close();
      },
    };
  }
  const r = redisBaseline(t.port ?? 6379, timeoutMs);
  return {
    async send() {
      try {
        if (t.op === 'save') {
          await r.save(nextKey(), t.value);
          return undefined;
        }
        const v = await r.get(nextKey());
        return v === undefined ? 'key not found' : size(v.length);
      } catch (e) {
        return (e as { code?: string }).code ?? (e as Error).message;
      }
    },
    async close() {
      r.client.disconnect();
    },
  };
}
