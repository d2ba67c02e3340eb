/**
 * Configuration of the "static" resolver (Outrigger-specific; daprd has no such component):
 *   nameResolution:
 *     component: static
 *     configuration:
 *       apps:
 *         orders: ["127.0.0.1:50002", "10.0.0.7:50002"]      # any namespace
 *         orders.prod: ["[fd00::7]:50002"]                     # only namespace "prod"
 * Addresses are "host:port" of the target sidecars' internal port; IPv6 hosts in brackets.
 */
import { isIPv6 } from 'node:net';

export interface StaticAddress {
  readonly host: string;
  readonly port: number;
}

export interface StaticConfig {
  /** Key "<appId>" or "<appId>.<namespace>" -> addresses, in configured order. */
  readonly apps: ReadonlyMap<string, readonly StaticAddress[]>;
}

export type StaticConfigResult = { readonly ok: true; readonly value: StaticConfig } | { readonly ok: false; readonly message: string };

const FIELD = 'nameResolution.configuration.apps';
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "host:port" or "[v6]:port" -> address, or the reason it is not one. */
export function parseHostPort(text: string): StaticAddress | string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\[\]]+):(\d+)$/.exec(text);
  if (!m) return 'expected "host:port" (IPv6 as "[addr]:port")';
  const host = m[1] as string;
  const port = Number(m[2]);
  if (text.startsWith('[') ? !isIPv6(host) : !HOST_NAME.test(host)) return `"${host}" is not a valid host`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port ${m[2]} is out of range 1-65535`;
  return { host, port };
}

export function parseStaticConfig(configuration: Record<string, unknown> | undefined): StaticConfigResult {
  const apps = configuration?.apps;
  if (apps === undefined) return { ok: false, message: `${FIELD}: is required for the static resolver` };
  if (!isRecord(apps)) return { ok: false, message: `${FIELD}: must be a map of app id to a list of "host:port"` };
  const out = new Map<string, StaticAddress[]>();
  for (const [key, value] of Object.entries(apps)) {
    const where = `${FIELD}["${key}"]`;
    if (key.trim() === '' || /\s/.test(key)) return { ok: false, message: `${where}: an app id must be non-empty and without spaces` };
    // A single string is accepted as a one-element list.
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) return { ok: false, message: `${where}: must be a non-empty list of "host:port"` };
    const addrs: StaticAddress[] = [];
    for (const [i, entry] of list.entries()) {
      if (typeof entry !== 'string') return { ok: false, message: `${where}[${i}]: ${JSON.stringify(entry)} is not a string` };
      const parsed = parseHostPort(entry.trim());
      if (typeof parsed === 'string') return { ok: false, message: `${where}[${i}]: ${JSON.stringify(entry)}: ${parsed}` };
      addrs.push(parsed);
    }
    out.set(key, addrs);
  }
  return { ok: true, value: { apps: out } };
}
