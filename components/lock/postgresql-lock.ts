/**
 * lock.postgresql: one row per held lock in a table (created if missing). Acquiring inserts the
 * row, or takes over a row whose expiry passed, in one statement, so two sidecars racing for a lock
 * are serialised by the primary key and never both succeed.
 *
 * Metadata: connectionString (postgres:// URL or libpq key=value), tableName (default dapr_lock).
 */
import { Pool } from 'pg';
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { pgPoolConfig, sqlIdent } from '../state/postgresql/connection';
import { UnlockStatus, type LockStore, type UnlockStatusValue } from './contract';
import { SqlPooledComponent } from '../common/sql-pool';

export class PostgresLockStore extends SqlPooledComponent<Pool> implements LockStore {
  private readonly table: string;

  constructor(private readonly component: ResolvedComponent) {
    super('postgresql lock');
    this.table = sqlIdent(component.metadata.tableName || 'dapr_lock', 'tableName');
  }

  async init(): Promise<void> {
    const cs = this.component.metadata.connectionString;
    if (!cs) throw new Error('postgresql lock: missing required metadata "connectionString"');
    const pool = this.usePool(new Pool({ ...pgPoolConfig(cs), max: 5 }));
    pool.on('error', () => undefined);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)`);
  }

  features(): readonly string[] {
    return [];
  }

  async tryLock(resourceId: string, owner: string, expirySeconds: number): Promise<boolean> {
    const r = await this.db().query(
      `INSERT INTO ${this.table} (key, owner, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE ${this.table}.expires_at <= now()
       RETURNING key`,
      [resourceId, owner, expirySeconds],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async unlock(resourceId: string, owner: string): Promise<UnlockStatusValue> {
    const r = await this.db().query(
      `WITH held AS (SELECT owner FROM ${this.table} WHERE key = $1 AND expires_at > now()),
            del AS (DELETE FROM ${this.table} WHERE key = $1 AND owner = $2 AND expires_at > now() RETURNING 1)
       SELECT (SELECT count(*) FROM del)::int AS deleted, (SELECT owner FROM held) AS holder`,
      [resourceId, owner],
    );
    const row = r.rows[0] as { deleted: number; holder: string | null } | undefined;
    if (row && row.deleted > 0) return UnlockStatus.SUCCESS;
    if (!row || row.holder === null) return UnlockStatus.LOCK_DOES_NOT_EXIST;
    return UnlockStatus.LOCK_BELONGS_TO_OTHERS;
  }
}

export const postgresLockDriver: ComponentDriver<LockStore> = {
  types: ['lock.postgresql'],
  versions: ['v1'],
  create: (c) => new PostgresLockStore(c),
};
