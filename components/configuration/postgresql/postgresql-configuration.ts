/**
 * configuration.postgresql, in daprd's layout: a table (metadata `table`, required, must exist)
 * with columns KEY, VALUE, VERSION (VARCHAR, NOT NULL) and METADATA (JSON). Changes arrive through
 * LISTEN on the channel named by the subscription's metadata `pgNotifyChannel` (falling back to
 * the component's), fed by a trigger the operator installs, as with daprd:
 *
 *   CREATE FUNCTION notify_config() RETURNS trigger AS $$ DECLARE data json; BEGIN
 *     IF TG_OP = 'DELETE' THEN data = row_to_json(OLD); ELSE data = row_to_json(NEW); END IF;
 *     PERFORM pg_notify('config', json_build_object('table', TG_TABLE_NAME, 'action', TG_OP, 'data', data)::text);
 *     RETURN NULL; END; $$ LANGUAGE plpgsql;
 *   CREATE TRIGGER config AFTER INSERT OR UPDATE OR DELETE ON configtable FOR EACH ROW EXECUTE PROCEDURE notify_config();
 *
 * Metadata: connectionString (postgres:// URL or libpq key=value), table, pgNotifyChannel (optional).
 */
import { Client, Pool, type Notification } from 'pg';
import type { ComponentDriver, ResolvedComponent } from '../../contract';
import { pgPoolConfig, sqlIdent } from '../../state/postgresql/connection';
import { SqlPooledComponent } from '../../common/sql-pool';
import { deletedItem, type ConfigurationItem, type ConfigurationItems, type ConfigurationStore, type ConfigurationUpdateHandler } from '../contract';

interface Row {
  key: string;
  value: string | null;
  version: string | null;
  metadata: unknown;
}

function metadataOf(raw: unknown): Record<string, string> {
  let v = raw;
  if (typeof v === 'string') {
    try { v = JSON.parse(v); } catch { return {}; }
  }
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  return out;
}

function itemOf(r: Row): ConfigurationItem {
  return { value: r.value ?? '', version: r.version ?? '', metadata: metadataOf(r.metadata) };
}

/** Case-insensitive lookup of a column in a row_to_json object. */
function field(o: Record<string, unknown>, name: string): unknown {
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === name) return v;
  return undefined;
}

interface Watch {
  readonly keys: ReadonlySet<string>;
  readonly handler: ConfigurationUpdateHandler;
}

export class PostgresConfigurationStore extends SqlPooledComponent<Pool> implements ConfigurationStore {
  private readonly table: string;
  /** One LISTEN connection per channel, shared by the subscriptions on it. */
  private readonly listeners = new Map<string, { client: Client; watches: Set<Watch> }>();

  constructor(private readonly component: ResolvedComponent) {
    super('postgresql configuration store');
    const t = component.metadata.table;
    if (!t) throw new Error('postgresql configuration: missing required metadata "table"');
    this.table = sqlIdent(t, 'table');
  }

  async init(): Promise<void> {
    const cs = this.component.metadata.connectionString;
    if (!cs) throw new Error('postgresql configuration: missing required metadata "connectionString"');
    const pool = this.usePool(new Pool({ ...pgPoolConfig(cs), max: 5 }));
    pool.on('error', () => undefined);
    const r = await pool.query('SELECT to_regclass($1) AS t', [this.table]);
    if (!(r.rows[0] as { t: string | null }).t) throw new Error(`postgresql configuration: table '${this.table}' does not exist`);
  }

  features(): readonly string[] {
    return [];
  }

  override async close(): Promise<void> {
    for (const l of this.listeners.values()) await l.client.end().catch(() => undefined);
    this.listeners.clear();
    await super.close();
  }

  async get(keys: readonly string[]): Promise<ConfigurationItems> {
    const sql = `SELECT key, value, version, metadata FROM ${this.table}`;
    const r = keys.length === 0 ? await this.db().query(sql) : await this.db().query(`${sql} WHERE key = ANY($1)`, [keys]);
    const out: ConfigurationItems = {};
    for (const row of r.rows as Row[]) out[row.key] = itemOf(row);
    return out;
  }

  async subscribe(keys: readonly string[], metadata: Readonly<Record<string, string>>, handler: ConfigurationUpdateHandler): Promise<() => Promise<void>> {
    const channel = metadata.pgNotifyChannel || this.component.metadata.pgNotifyChannel;
    if (!channel) throw new Error('pgNotifyChannel is required in the subscription metadata');
    const l = await this.listen(channel);
    const watch: Watch = { keys: new Set(keys), handler };
    l.watches.add(watch);
    return async () => {
      l.watches.delete(watch);
      if (l.watches.size === 0 && this.listeners.get(channel) === l) {
        this.listeners.delete(channel);
        await l.client.end().catch(() => undefined);
      }
    };
  }

  private async listen(channel: string): Promise<{ client: Client; watches: Set<Watch> }> {
    const existing = this.listeners.get(channel);
    if (existing) return existing;
    const client = new Client(pgPoolConfig(this.component.metadata.connectionString ?? ''));
    client.on('error', () => undefined);
    const entry = { client, watches: new Set<Watch>() };
    client.on('notification', (n: Notification) => this.onNotification(entry.watches, n.payload));
    await client.connect();
    await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    this.listeners.set(channel, entry);
    return entry;
  }

  private onNotification(watches: Set<Watch>, payload: string | undefined): void {
    let parsed: unknown;
    try { parsed = JSON.parse(payload ?? ''); } catch { return; }
    if (!parsed || typeof parsed !== 'object') return;
    const data = field(parsed as Record<string, unknown>, 'data');
    if (!data || typeof data !== 'object') return;
    const row = data as Record<string, unknown>;
    const key = field(row, 'key');
    if (typeof key !== 'string') return;
    const action = String(field(parsed as Record<string, unknown>, 'action') ?? '').toUpperCase();
    const item = action === 'DELETE' ? deletedItem : itemOf({ key, value: field(row, 'value') as string | null, version: field(row, 'version') as string | null, metadata: field(row, 'metadata') });
    for (const w of watches) if (w.keys.size === 0 || w.keys.has(key)) w.handler({ [key]: item });
  }
}

export const postgresConfigurationDriver: ComponentDriver<ConfigurationStore> = {
  types: ['configuration.postgresql', 'configuration.postgres'],
  versions: ['v1'],
  create: (c) => new PostgresConfigurationStore(c),
};
