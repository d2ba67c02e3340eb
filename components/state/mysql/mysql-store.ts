/**
 * state.mysql (MySQL and MariaDB) with Dapr's table layout: id, value JSON, isbinary, insertDate,
 * updateDate, eTag (uuid), expiredate. Writes are single conditional statements; transactions run
 * them on one connection between BEGIN and COMMIT and roll back on the first failure.
 *
 * Metadata: connectionString (Go DSN "user:pass@tcp(host:port)/db?..." or mysql:// URL, required),
 * schemaName (dapr_state_store, created if missing), tableName (state), timeoutInSeconds (20),
 * cleanupInterval (1h), ttlInSeconds, actorStateStore.
 */
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import { etagMismatch, StateFeature, type StateDeleteRequest, type StateGetRequest, type StateItem, type StateOperation, type StateQueryRequest, type StateQueryResult, type StateSetRequest, type StateStore } from '../contract';
import { hasEtag, withActorFeature } from '../common/concurrency';
import { parseDurationMs } from '../common/duration';
import { decodeValue, encodeValue } from '../common/json-value';
import { componentTtl, expiryFor, ttlMetadata } from '../common/ttl';
import { runQuery } from '../query/evaluate';
import { SqlPooledComponent } from '../../common/sql-pool';

interface Row extends mysql.RowDataPacket {
  id: string;
  value: unknown;
  isbinary: number;
  eTag: string;
  expiredate: Date | null;
}

const LIVE = '(expiredate IS NULL OR expiredate > CURRENT_TIMESTAMP(3))';
type Conn = Pick<mysql.Pool, 'query' | 'execute'> | mysql.PoolConnection;

/** Go-driver DSN → mysql2 options. */
export function mysqlOptions(dsn: string): mysql.PoolOptions {
  if (dsn.startsWith('mysql://')) return { uri: dsn };
  const m = /^(?:([^:@]*)(?::([^@]*))?@)?(?:(\w+)\(([^)]*)\))?\/([^?]*)(?:\?(.*))?$/.exec(dsn.trim());
  if (!m) throw new Error('connectionString is not a valid MySQL DSN');
  const [, user, password, , addr, database] = m;
  const [host, port] = (addr || '127.0.0.1:3306').split(':');
  return { user: user || 'root', password: password ?? '', host: host || '127.0.0.1', port: Number(port || 3306), ...(database ? { database } : {}) };
}

function ident(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)) throw new Error(`invalid ${what} "${name}"`);
  return name;
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return JSON.stringify(v); // MySQL's JSON type comes back parsed
}

export class MySqlStateStore extends SqlPooledComponent<mysql.Pool> implements StateStore {
  private readonly table: string;
  private readonly schema: string;
  private readonly defaultTtl: number | undefined;
  private readonly feats: readonly string[];

  constructor(private readonly component: ResolvedComponent) {
    super(`state.mysql ${component.name}`);
    const md = component.metadata;
    this.schema = ident(md.schemaName || 'dapr_state_store', 'schemaName');
    this.table = `\`${this.schema}\`.\`${ident(md.tableName || 'state', 'tableName')}\``;
    this.defaultTtl = componentTtl(md);
    this.feats = withActorFeature([StateFeature.ETAG, StateFeature.TRANSACTIONAL, StateFeature.TTL, StateFeature.QUERY_API], md);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    if (!md.connectionString) throw new Error(`state.mysql ${this.component.name}: missing connectionString`);
    const timeout = md.timeoutInSeconds ? Number(md.timeoutInSeconds) * 1000 : 20_000;
    const pool = this.usePool(mysql.createPool({ ...mysqlOptions(md.connectionString), connectionLimit: 10, connectTimeout: timeout, timezone: 'Z', dateStrings: false, jsonStrings: true }));
    // Expiry times are written as UTC; make the session compare them in UTC too.
    pool.on('connection', (conn) => void conn.query("SET time_zone = '+00:00'"));
    await pool.query(`CREATE DATABASE IF NOT EXISTS \`${this.schema}\``);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (id VARCHAR(255) NOT NULL PRIMARY KEY, value JSON NOT NULL,
      isbinary BOOLEAN NOT NULL, insertDate TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updateDate TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      eTag VARCHAR(36) NOT NULL, expiredate TIMESTAMP(3) NULL, INDEX expiredate_idx(expiredate))`);
    const every = parseDurationMs(md.cleanupInterval, 3_600_000);
    this.cleanEvery(every, `DELETE FROM ${this.table} WHERE expiredate IS NOT NULL AND expiredate <= CURRENT_TIMESTAMP(3)`);
  }

  features(): readonly string[] {
    return this.feats;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    const [rows] = await this.db().execute<Row[]>(`SELECT id, value, isbinary, eTag, expiredate FROM ${this.table} WHERE id = ? AND ${LIVE}`, [req.key]);
    const row = rows[0];
    if (!row) return undefined;
    const metadata = ttlMetadata(row.expiredate ? row.expiredate.getTime() : null);
    return { data: decodeValue(asText(row.value), row.isbinary), etag: row.eTag, ...(metadata ? { metadata } : {}) };
  }

  async set(req: StateSetRequest): Promise<void> {
    await this.apply(this.db(), { operation: 'upsert', request: req });
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    await this.apply(this.db(), { operation: 'delete', request: req });
  }

  async multi(ops: readonly StateOperation[]): Promise<void> {
    const conn = await this.db().getConnection();
    try {
      await conn.beginTransaction();
      for (const op of ops) await this.apply(conn, op);
      await conn.commit();
    } catch (e) {
      await conn.rollback().catch(() => undefined);
      throw e;
    } finally {
      conn.release();
    }
  }

  async query(req: StateQueryRequest): Promise<StateQueryResult> {
    const [rows] = await this.db().execute<Row[]>(`SELECT id, value, isbinary, eTag FROM ${this.table} WHERE LEFT(id, ?) = ? AND ${LIVE}`, [String(req.keyPrefix.length), req.keyPrefix]);
    return runQuery(rows.map((r) => ({ key: r.id, data: decodeValue(asText(r.value), r.isbinary), etag: r.eTag })), req.query);
  }

  private async apply(db: Conn, op: StateOperation): Promise<void> {
    const t = this.table;
    const r = op.request;
    if (op.operation === 'delete') {
      if (!hasEtag(r)) {
        await db.execute(`DELETE FROM ${t} WHERE id = ?`, [r.key]);
        return;
      }
      const [res] = await db.execute<mysql.ResultSetHeader>(`DELETE FROM ${t} WHERE id = ? AND eTag = ? AND ${LIVE}`, [r.key, r.etag]);
      if (res.affectedRows !== 1) throw etagMismatch(r.key);
      return;
    }
    const exp = expiryFor(op.request.metadata, this.defaultTtl);
    const enc = encodeValue(op.request.value);
    const expiry = exp === null ? null : new Date(exp);
    const etag = randomUUID();
    if (hasEtag(r)) {
      const [res] = await db.execute<mysql.ResultSetHeader>(`UPDATE ${t} SET value = ?, isbinary = ?, eTag = ?, expiredate = ? WHERE id = ? AND eTag = ? AND ${LIVE}`, [enc.text, enc.isBinary, etag, expiry, r.key, r.etag]);
      if (res.affectedRows !== 1) throw etagMismatch(r.key);
    } else if (r.options?.concurrency === 'first-write') {
      await db.execute(`DELETE FROM ${t} WHERE id = ? AND expiredate IS NOT NULL AND expiredate <= CURRENT_TIMESTAMP(3)`, [r.key]);
      const [res] = await db.execute<mysql.ResultSetHeader>(`INSERT IGNORE INTO ${t} (id, value, isbinary, eTag, expiredate) VALUES (?, ?, ?, ?, ?)`, [r.key, enc.text, enc.isBinary, etag, expiry]);
      if (res.affectedRows !== 1) throw etagMismatch(r.key);
    } else {
      await db.execute(`INSERT INTO ${t} (id, value, isbinary, eTag, expiredate) VALUES (?, ?, ?, ?, ?)
        ON DUPLICATE KEY UPDATE value = VALUES(value), isbinary = VALUES(isbinary), eTag = VALUES(eTag), expiredate = VALUES(expiredate)`, [r.key, enc.text, enc.isBinary, etag, expiry]);
    }
  }
}

export const mysqlStateDriver: ComponentDriver<StateStore> = {
  types: ['state.mysql'],
  versions: ['v1'],
  create: (component: ResolvedComponent, _ctx: ComponentContext) => new MySqlStateStore(component),
};
