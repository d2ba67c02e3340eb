/**
 * bindings.postgresql (output): exec (request metadata `sql`, optional `params` as a JSON array)
 * answers metadata operation/start-time/end-time/duration/rows-affected; query answers data = JSON
 * array of rows, each an array of column values; close ends the pool.
 * Metadata: connectionString (or the legacy `url`), postgres:// URL or libpq key=value.
 */
import { Pool } from 'pg';
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { pgPoolConfig } from '../state/postgresql/connection';
import { BindingError, requireMeta, type BindingInvokeRequest, type BindingInvokeResponse, type OutputBinding } from './contract';

function params(raw: string | undefined): unknown[] {
  if (!raw) return [];
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new BindingError('postgresql binding: metadata "params" must be a JSON array'); }
  if (!Array.isArray(v)) throw new BindingError('postgresql binding: metadata "params" must be a JSON array');
  return v;
}

export class PostgresBinding implements OutputBinding {
  private pool: Pool | undefined;

  constructor(private readonly component: ResolvedComponent) {}

  async init(): Promise<void> {
    const md = this.component.metadata;
    const cs = md.connectionString || md.url;
    if (!cs) throw new Error('postgresql binding: required metadata "connectionString" is missing');
    const pool = new Pool({ ...pgPoolConfig(cs), max: 5 });
    pool.on('error', () => undefined);
    this.pool = pool;
    await pool.query('SELECT 1');
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.end().catch(() => undefined);
  }

  operations(): readonly string[] {
    return ['exec', 'query', 'close'];
  }

  async invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse> {
    if (req.operation === 'close') {
      await this.close();
      return {};
    }
    if (!this.pool) throw new BindingError('postgresql binding: the connection pool is closed');
    const sql = requireMeta(req.metadata, 'sql', 'postgresql binding');
    const start = new Date();
    if (req.operation === 'query') {
      const r = await this.pool.query({ text: sql, values: params(req.metadata.params), rowMode: 'array' });
      const end = new Date();
      return { data: Buffer.from(JSON.stringify(r.rows)), metadata: timing('query', start, end), contentType: 'application/json' };
    }
    const r = await this.pool.query(sql, params(req.metadata.params));
    const end = new Date();
    return { metadata: { ...timing('exec', start, end), 'rows-affected': String(r.rowCount ?? 0) } };
  }
}

function timing(operation: string, start: Date, end: Date): Record<string, string> {
  return { operation, 'start-time': start.toISOString(), 'end-time': end.toISOString(), duration: `${end.getTime() - start.getTime()}ms` };
}

export const postgresBindingDriver: ComponentDriver<PostgresBinding> = {
  types: ['bindings.postgresql', 'bindings.postgres'],
  versions: ['v1'],
  create: (c) => new PostgresBinding(c),
};
