/**
 * state.sqlite, the embedded default store, with Dapr's table layout (key, value, is_binary, etag,
 * expiration_time, update_time) so a daprd database reads back. WAL journal and synchronous=NORMAL:
 * committed writes survive a SIGKILL of the sidecar. Expired rows are hidden on read and deleted
 * every cleanupInterval (default 1h; 0 or negative disables).
 *
 * Metadata: connectionString (file path, "file:" URI or ":memory:"; default <dataDir>/<name>.db),
 * tableName (state), metadataTableName (metadata), busyTimeout (2s), cleanupInterval (1h),
 * disableWAL (false), ttlInSeconds (store default TTL), actorStateStore.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import { StateFeature, type StateDeleteRequest, type StateGetRequest, type StateItem, type StateOperation, type StateQueryRequest, type StateQueryResult, type StateSetRequest, type StateStore } from '../contract';
import { checkDelete, checkSet, withActorFeature } from '../common/concurrency';
import { parseDurationMs } from '../common/duration';
import { decodeValue, encodeValue } from '../common/json-value';
import { componentTtl, expiryFor, ttlMetadata } from '../common/ttl';
import { runQuery, type QueryRow } from '../query/evaluate';

const FEATURES = [StateFeature.ETAG, StateFeature.TRANSACTIONAL, StateFeature.TTL, StateFeature.QUERY_API];
const NOW = "strftime('%Y-%m-%d %H:%M:%f','now')";
const LIVE = `(expiration_time IS NULL OR expiration_time > ${NOW})`;

interface Row {
  key: string;
  value: string;
  is_binary: number;
  etag: string;
  expiration_time: string | null;
}

/** sqlite's own timestamp text (UTC, "YYYY-MM-DD HH:MM:SS.SSS"), which sorts as time does. */
function sqliteTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
function fromSqliteTime(s: string): number {
  return Date.parse(s.replace(' ', 'T') + 'Z');
}

function resolvePath(component: ResolvedComponent, ctx: ComponentContext): string {
  const cs = component.metadata.connectionString?.trim();
  if (!cs) return join(ctx.dataDir, `${component.name}.db`);
  if (cs === ':memory:' || cs.startsWith('file::memory:')) return ':memory:';
  const noScheme = cs.startsWith('file:') ? cs.slice(5) : cs;
  const q = noScheme.indexOf('?');
  return q < 0 ? noScheme : noScheme.slice(0, q);
}

export class SqliteStateStore implements StateStore {
  private db: Database.Database | undefined;
  private readonly table: string;
  private readonly metaTable: string;
  private readonly path: string;
  private readonly defaultTtl: number | undefined;
  private readonly feats: readonly string[];
  private cleaner: NodeJS.Timeout | undefined;
  private stmts!: ReturnType<SqliteStateStore['prepare']>;

  constructor(private readonly component: ResolvedComponent, ctx: ComponentContext) {
    const md = component.metadata;
    this.table = md.tableName || 'state';
    this.metaTable = md.metadataTableName || 'metadata';
    for (const t of [this.table, this.metaTable]) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new Error(`state.sqlite ${component.name}: invalid table name "${t}"`);
    this.path = resolvePath(component, ctx);
    this.defaultTtl = componentTtl(md);
    this.feats = withActorFeature(FEATURES, md);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path, { timeout: parseDurationMs(md.busyTimeout, 2000) });
    this.db = db;
    if ((md.disableWAL ?? '').toLowerCase() !== 'true' && this.path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (
      key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, is_binary BOOLEAN NOT NULL, etag TEXT NOT NULL,
      expiration_time TIMESTAMP DEFAULT NULL, update_time TIMESTAMP DEFAULT NULL)`);
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.metaTable} (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)`);
    this.stmts = this.prepare(db);
    const every = parseDurationMs(md.cleanupInterval, 3_600_000);
    if (every > 0) {
      this.cleaner = setInterval(() => this.cleanup(), every);
      this.cleaner.unref();
    }
  }

  private prepare(db: Database.Database) {
    const t = this.table;
    return {
      get: db.prepare<[string], Row>(`SELECT key, value, is_binary, etag, expiration_time FROM ${t} WHERE key = ? AND ${LIVE}`),
      upsert: db.prepare(`INSERT INTO ${t} (key, value, is_binary, etag, expiration_time, update_time) VALUES (?, ?, ?, ?, ?, ${NOW})
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, is_binary = excluded.is_binary, etag = excluded.etag,
        expiration_time = excluded.expiration_time, update_time = excluded.update_time`),
      del: db.prepare(`DELETE FROM ${t} WHERE key = ?`),
      scan: db.prepare<[number, string], Row>(`SELECT key, value, is_binary, etag, expiration_time FROM ${t} WHERE substr(key, 1, ?) = ? AND ${LIVE}`),
      cleanup: db.prepare(`DELETE FROM ${t} WHERE expiration_time IS NOT NULL AND expiration_time <= ${NOW}`),
    };
  }

  features(): readonly string[] {
    return this.feats;
  }

  async close(): Promise<void> {
    if (this.cleaner) clearInterval(this.cleaner);
    this.db?.close();
    this.db = undefined;
  }

  async ping(): Promise<void> {
    this.open().prepare('SELECT 1').get();
  }

  private open(): Database.Database {
    if (!this.db) throw new Error(`state.sqlite ${this.component.name} is not initialised`);
    return this.db;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    this.open();
    const row = this.stmts.get.get(req.key);
    if (!row) return undefined;
    const metadata = ttlMetadata(row.expiration_time ? fromSqliteTime(row.expiration_time) : null);
    const data = decodeValue(row.value, row.is_binary);
    return metadata ? { data, etag: row.etag, metadata } : { data, etag: row.etag };
  }

  async set(req: StateSetRequest): Promise<void> {
    this.inTransaction([{ operation: 'upsert', request: req }]);
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    this.inTransaction([{ operation: 'delete', request: req }]);
  }

  async multi(ops: readonly StateOperation[]): Promise<void> {
    this.inTransaction(ops);
  }

  async query(req: StateQueryRequest): Promise<StateQueryResult> {
    this.open();
    const rows: QueryRow[] = this.stmts.scan.all(req.keyPrefix.length, req.keyPrefix).map((r) => ({ key: r.key, data: decodeValue(r.value, r.is_binary), etag: r.etag }));
    return runQuery(rows, req.query);
  }

  /** One IMMEDIATE transaction: a thrown StateError rolls every operation back. */
  private inTransaction(ops: readonly StateOperation[]): void {
    const db = this.open();
    const s = this.stmts;
    const run = db.transaction(() => {
      for (const op of ops) {
        const existing = s.get.get(op.request.key);
        if (op.operation === 'upsert') {
          const err = checkSet(op.request, existing?.etag);
          if (err) throw err;
          const exp = expiryFor(op.request.metadata, this.defaultTtl);
          const enc = encodeValue(op.request.value);
          s.upsert.run(op.request.key, enc.text, enc.isBinary ? 1 : 0, randomUUID(), exp === null ? null : sqliteTime(exp));
        } else {
          const err = checkDelete(op.request, existing?.etag);
          if (err) throw err;
          s.del.run(op.request.key);
        }
      }
    });
    run.immediate();
  }

  private cleanup(): void {
    try {
      this.stmts.cleanup.run();
    } catch {
      /* busy or closed: next round */
    }
  }
}

export const sqliteStateDriver: ComponentDriver<StateStore> = {
  types: ['state.sqlite'],
  versions: ['v1'],
  create: (component, ctx) => new SqliteStateStore(component, ctx),
};
