/**
 * The stores the state conformance suite runs against, each with the features it must declare.
 * Real servers (Redis 6379, PostgreSQL 5432, MariaDB 3306) get unique table names / key prefixes
 * per run and are cleaned up afterwards. Under CI=true an unreachable server fails the suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import mysql from 'mysql2/promise';
import type { ComponentContext, ResolvedComponent } from '../../components/contract';
import type { StateStore } from '../../components/state/contract';
import { stateDrivers } from '../../components/state/drivers';
import { createLogger } from '../../observability/logger';

export interface ConformanceTarget {
  readonly name: string;
  /** Features the store must declare (and that the suite then exercises). */
  readonly features: readonly string[];
  /** True for stores that need a server on this machine. */
  readonly external: boolean;
  create(): StateStore;
  cleanup(): Promise<void>;
}

const run = randomBytes(4).toString('hex');
export const keyPrefix = `conf-${run}||`;

function component(name: string, type: string, version: string, metadata: Record<string, string>): ResolvedComponent {
  return { name, type, version, metadata, source: 'conformance' };
}

function driverFor(type: string, version = 'v1') {
  const d = stateDrivers.find((x) => x.types.includes(type) && x.versions.includes(version));
  if (!d) throw new Error(`no driver for ${type}/${version}`);
  return d;
}

export function targets(): ConformanceTarget[] {
  const dataDir = mkdtempSync(join(tmpdir(), 'outrigger-state-conf-'));
  const ctx: ComponentContext = { appId: 'conf', namespace: 'default', dataDir, logger: createLogger({ level: 'error', json: false }) };
  const make = (c: ResolvedComponent) => () => driverFor(c.type, c.version).create(c, ctx);
  const pgTable = (v: string): string => `state_conf_${v}_${run}`;
  const myTable = `state_conf_${run}`;
  const common = ['ETAG', 'TRANSACTIONAL', 'TTL'];
  return [
    { name: 'state.in-memory', features: [...common, 'QUERY_API'], external: false, create: make(component('mem', 'state.in-memory', 'v1', {})), cleanup: async () => {} },
    {
      name: 'state.sqlite', features: [...common, 'QUERY_API'], external: false,
      create: make(component('sqlite', 'state.sqlite', 'v1', { connectionString: join(dataDir, 'state.db'), cleanupInterval: '1s' })),
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    },
    {
      name: 'state.redis', features: common, external: true,
      create: make(component('redis', 'state.redis', 'v1', { redisHost: '127.0.0.1:6379' })),
      cleanup: async () => {
        const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await r.connect();
          const keys = await r.keys(`${keyPrefix}*`);
          if (keys.length > 0) await r.del(...keys);
        } catch {
          /* server absent */
        } finally {
          r.disconnect();
        }
      },
    },
    ...(['v1', 'v2'] as const).map((v): ConformanceTarget => ({
      name: `state.postgresql/${v}`, features: [...common, 'QUERY_API'], external: true,
      create: make(component(`pg${v}`, 'state.postgresql', v, { connectionString: 'host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=5', tableName: pgTable(v), cleanupInterval: '1s' })),
      cleanup: async () => {
        const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', connectionTimeoutMillis: 3000 });
        try {
          await c.connect();
          await c.query(`DROP TABLE IF EXISTS ${pgTable(v)}`);
        } catch {
          /* server absent */
        } finally {
          await c.end().catch(() => undefined);
        }
      },
    })),
    {
      name: 'state.mysql', features: [...common, 'QUERY_API'], external: true,
      create: make(component('mysql', 'state.mysql', 'v1', { connectionString: 'root:@tcp(127.0.0.1:3306)/test', schemaName: 'test', tableName: myTable, timeoutInSeconds: '5' })),
      cleanup: async () => {
        try {
          const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test', connectTimeout: 3000 });
          await c.query(`DROP TABLE IF EXISTS \`${myTable}\``);
          await c.end();
        } catch {
          /* server absent */
        }
      },
    },
  ];
}
