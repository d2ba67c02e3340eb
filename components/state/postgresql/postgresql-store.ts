/**
 * state.postgresql (v1 and v2 table layouts, see layouts.ts) over a pg pool. Writes are single
 * conditional statements (upsert / insert-if-absent / update-if-etag), so concurrent writers on
 * one key are decided by PostgreSQL itself; transactions run them in BEGIN ... COMMIT and roll
 * back on the first failure.
 *
 * Metadata: connectionString (required), tableName (v1 "state"; v2 "<tablePrefix>state"),
 * tablePrefix (v2), cleanupInterval / cleanupIntervalInSeconds (1h), timeout (20s),
 * ttlInSeconds, actorStateStore.
 */
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import { etagInvalid, etagMismatch, StateFeature, type StateDeleteRequest, type StateGetRequest, type StateItem, type StateOperation, type StateQueryRequest, type StateQueryResult, type StateSetRequest, type StateStore } from '../contract';
import { hasEtag, withActorFeature } from '../common/concurrency';
import { parseDurationMs } from '../common/duration';
import { componentTtl, expiryFor, ttlMetadata } from '../common/ttl';
import { runQuery } from '../query/evaluate';
import { pgPoolConfig, sqlIdent } from './connection';
import { layoutV1, layoutV2, type Layout, type PgRow } from './layouts';
import { SqlPooledComponent } from '../../common/sql-pool';

type Queryable = Pick<Pool, 'query'> | PoolClient;

export class PostgresStateStore extends SqlPooledComponent<Pool> implements StateStore {
  private readonly table: string;
  private readonly defaultTtl: number | undefined;
  private readonly feats: readonly string[];

  constructor(private readonly component: ResolvedComponent, private readonly layout: Layout) {
    super(`state.postgresql ${component.name}`);
    const md = component.metadata;
    this.table = sqlIdent(md.tableName || (layout.version === 'v2' ? `${md.tablePrefix ?? ''}state` : 'state'), 'tableName');
    this.defaultTtl = componentTtl(md);
    const base = [StateFeature.ETAG, StateFeature.TRANSACTIONAL, StateFeature.TTL, StateFeature.QUERY_API];
    this.feats = withActorFeature(base, md);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    if (!md.connectionString) throw new Error(`state.postgresql ${this.component.name}: missing connectionString`);
    const timeout = parseDurationMs(md.timeout ?? md.timeoutInSeconds, 20_000);
    const pool = this.usePool(new Pool({ ...pgPoolConfig(md.connectionString), max: 10, connectionTimeoutMillis: timeout, query_timeout: timeout }));
    pool.on('error', () => {
      /* idle client errors: the next query reports them */
    });
    await pool.query(this.layout.createTable(this.table));
    const every = md.cleanupIntervalInSeconds ? Number(md.cleanupIntervalInSeconds) * 1000 : parseDurationMs(md.cleanupInterval, 3_600_000);
    this.cleanEvery(every, this.layout.deleteExpired(this.table, false));
  }

  features(): readonly string[] {
    return this.feats;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    const r = await this.db().query<PgRow>(this.layout.get(this.table), [req.key]);
    const row = r.rows[0];
    if (!row) return undefined;
    const metadata = ttlMetadata(row.expires ? row.expires.getTime() : null);
    return { data: this.layout.decode(row), etag: row.etag, ...(metadata ? { metadata } : {}) };
  }

  async set(req: StateSetRequest): Promise<void> {
    await this.apply(this.db(), { operation: 'upsert', request: req });
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    await this.apply(this.db(), { operation: 'delete', request: req });
  }

  async multi(ops: readonly StateOperation[]): Promise<void> {
    const client = await this.db().connect();
    try {
      await client.query('BEGIN');
      for (const op of ops) await this.apply(client, op);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async query(req: StateQueryRequest): Promise<StateQueryResult> {
    const r = await this.db().query<PgRow>(this.layout.scan(this.table), [req.keyPrefix]);
    return runQuery(r.rows.map((row) => ({ key: row.key, data: this.layout.decode(row), etag: row.etag })), req.query);
  }

  private async apply(db: Queryable, op: StateOperation): Promise<void> {
    const L = this.layout;
    const t = this.table;
    const r = op.request;
    if (hasEtag(r) && !L.validEtag(r.etag)) throw etagInvalid(r.key);
    if (op.operation === 'delete') {
      if (!hasEtag(r)) {
        await db.query(`DELETE FROM ${t} WHERE key = $1`, [r.key]);
        return;
      }
      const res = await db.query(L.deleteIf(t), [r.key, r.etag]);
      if (res.rowCount !== 1) throw etagMismatch(r.key);
      return;
    }
    const exp = expiryFor(op.request.metadata, this.defaultTtl);
    const enc = L.encode(op.request.value);
    const params: unknown[] = [r.key, enc.value, enc.isBinary, randomUUID(), exp === null ? null : new Date(exp)];
    if (hasEtag(r)) {
      const res = await db.query(L.update(t), [...params, r.etag]);
      if (res.rowCount !== 1) throw etagMismatch(r.key);
    } else if (r.options?.concurrency === 'first-write') {
      await db.query(L.deleteExpired(t, true), [r.key]);
      const res = await db.query(L.insert(t), params);
      if (res.rowCount !== 1) throw etagMismatch(r.key);
    } else {
      await db.query(L.upsert(t), params);
    }
  }
}

export const postgresStateDriver: ComponentDriver<StateStore> = {
  types: ['state.postgresql', 'state.postgres'],
  versions: ['v1', 'v2'],
  create: (component: ResolvedComponent, _ctx: ComponentContext) => new PostgresStateStore(component, component.version === 'v2' ? layoutV2 : layoutV1),
};
