/** PostgreSQL connection strings as Dapr accepts them: a postgres:// URL or libpq "key=value" pairs. */
import type { PoolConfig } from 'pg';

export function pgPoolConfig(connectionString: string): PoolConfig {
  const cs = connectionString.trim();
  if (/^postgres(ql)?:\/\//.test(cs)) return { connectionString: cs };
  const out: PoolConfig = {};
  for (const m of cs.matchAll(/(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/g)) {
    const k = m[1]!.toLowerCase();
    const v = m[2]!.startsWith("'") ? m[2]!.slice(1, -1).replace(/\\(.)/g, '$1') : m[2]!;
    switch (k) {
      case 'host': out.host = v; break;
      case 'port': out.port = Number(v); break;
      case 'user': out.user = v; break;
      case 'password': out.password = v; break;
      case 'dbname':
      case 'database': out.database = v; break;
      case 'connect_timeout': out.connectionTimeoutMillis = Number(v) * 1000; break;
      case 'sslmode': if (v !== 'disable') out.ssl = { rejectUnauthorized: v === 'verify-full' || v === 'verify-ca' }; break;
      default: break;
    }
  }
  return out;
}

/** A safe SQL identifier (optionally schema-qualified); throws on anything else. */
export function sqlIdent(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) throw new Error(`invalid ${what} "${name}"`);
  return name;
}
