/**
 * Options of the "kubernetes" resolver, read from Configuration spec.nameResolution.configuration.
 * Dapr's keys:
 *   clusterDomain   DNS suffix of the cluster (default "cluster.local")
 *   template        replaces the whole target, e.g. "{{.ID}}-{{.Data.region}}.internal:{{.Port}}";
 *                   placeholders {{.ID}} (app id), {{.Namespace}}, {{.Port}} (internal port) and
 *                   {{.Data.<key>}} (string values of this configuration)
 * Outrigger extensions (all optional):
 *   dnsServer        "ip", "ip:port" or "[v6]:port" (or a list) to ask instead of the system resolvers
 *   internalPort     port used when DNS has no SRV record for it (default 50002, as the injector pins)
 *   internalPortName Service port name looked up as SRV _<name>._tcp.<service> (default "dapr-internal")
 *   maxCacheTtl      upper bound on how long answers are cached, whatever their TTL (default "30s")
 *   negativeCacheTtl how long "no such name" is remembered (default "1s"; "0" disables)
 *   timeout          per-query timeout (default "2s"); tries: attempts per query (default 2)
 */
import { isIP } from 'node:net';
import { parseDurationMs, type ParseResult } from '../mdns/options';

export interface KubernetesOptions {
  readonly clusterDomain: string;
  readonly template?: string;
  /** String values of the configuration, for {{.Data.key}}. */
  readonly data: Readonly<Record<string, string>>;
  /** Servers in Node's setServers() form; empty = system resolvers. */
  readonly dnsServers: readonly string[];
  readonly internalPort: number;
  readonly internalPortName: string;
  readonly maxCacheTtlMs: number;
  readonly negativeCacheTtlMs: number;
  readonly timeoutMs: number;
  readonly tries: number;
}

export const defaultKubernetesOptions: KubernetesOptions = {
  clusterDomain: 'cluster.local',
  data: {},
  dnsServers: [],
  internalPort: 50002,
  internalPortName: 'dapr-internal',
  maxCacheTtlMs: 30_000,
  negativeCacheTtlMs: 1000,
  timeoutMs: 2000,
  tries: 2,
};

const field = (k: string): string => `nameResolution.configuration.${k}`;
const DNS_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const PORT_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/** "ip", "ip:port", "[v6]" or "[v6]:port" -> the form dns.Resolver#setServers accepts, or undefined. */
export function parseDnsServer(text: string): string | undefined {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  const v4 = /^([0-9.]+)(?::(\d+))?$/.exec(t);
  const m = v6 ?? v4;
  if (!m) return isIP(t) === 6 ? t : undefined;
  const host = m[1] as string;
  if (isIP(host) !== (v6 ? 6 : 4)) return undefined;
  if (m[2] === undefined) return host;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return v6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function port(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

export function parseKubernetesOptions(cfg: Record<string, unknown> | undefined): ParseResult<KubernetesOptions> {
  const c = cfg ?? {};
  const out: { -readonly [K in keyof KubernetesOptions]: KubernetesOptions[K] } = { ...defaultKubernetesOptions };
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') data[k] = String(v);
  out.data = data;

  if (c.clusterDomain !== undefined) {
    const d = typeof c.clusterDomain === 'string' ? c.clusterDomain.trim().replace(/\.$/, '') : '';
    if (!DNS_NAME.test(d)) return { ok: false, message: `${field('clusterDomain')}: ${JSON.stringify(c.clusterDomain)} is not a DNS domain (e.g. "cluster.local")` };
    out.clusterDomain = d;
  }
  if (c.template !== undefined) {
    if (typeof c.template !== 'string' || c.template.trim() === '') return { ok: false, message: `${field('template')}: must be a non-empty string such as "{{.ID}}.{{.Namespace}}.internal:{{.Port}}"` };
    const unknown = [...c.template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1] as string).find((p) => !/^\.(ID|Namespace|Port|Data\.[A-Za-z0-9_-]+)$/.test(p));
    if (unknown !== undefined) return { ok: false, message: `${field('template')}: unknown placeholder {{${unknown}}} (known: {{.ID}}, {{.Namespace}}, {{.Port}}, {{.Data.<key>}})` };
    out.template = c.template.trim();
  }
  if (c.dnsServer !== undefined) {
    const list = Array.isArray(c.dnsServer) ? c.dnsServer : typeof c.dnsServer === 'string' ? c.dnsServer.split(',') : [c.dnsServer];
    const servers: string[] = [];
    for (const entry of list) {
      const parsed = typeof entry === 'string' ? parseDnsServer(entry) : undefined;
      if (!parsed) return { ok: false, message: `${field('dnsServer')}: ${JSON.stringify(entry)} is not "ip", "ip:port" or "[ipv6]:port"` };
      servers.push(parsed);
    }
    if (servers.length === 0) return { ok: false, message: `${field('dnsServer')}: is empty` };
    out.dnsServers = servers;
  }
  if (c.internalPort !== undefined) {
    const p = port(c.internalPort);
    if (p === undefined) return { ok: false, message: `${field('internalPort')}: ${JSON.stringify(c.internalPort)} is not a TCP port` };
    out.internalPort = p;
  }
  if (c.internalPortName !== undefined) {
    if (typeof c.internalPortName !== 'string' || !PORT_NAME.test(c.internalPortName)) {
      return { ok: false, message: `${field('internalPortName')}: ${JSON.stringify(c.internalPortName)} is not a Kubernetes port name` };
    }
    out.internalPortName = c.internalPortName;
  }
  const durations = [
    ['maxCacheTtl', 'maxCacheTtlMs'],
    ['negativeCacheTtl', 'negativeCacheTtlMs'],
    ['timeout', 'timeoutMs'],
  ] as const;
  for (const [key, prop] of durations) {
    if (c[key] === undefined) continue;
    const ms = parseDurationMs(c[key]);
    if (ms === undefined) return { ok: false, message: `${field(key)}: ${JSON.stringify(c[key])} is not a duration (e.g. "30s", "500ms")` };
    if (key === 'timeout' && ms < 1) return { ok: false, message: `${field(key)}: must be more than 0` };
    out[prop] = ms;
  }
  if (c.tries !== undefined) {
    const n = typeof c.tries === 'string' ? Number(c.tries) : c.tries;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) return { ok: false, message: `${field('tries')}: ${JSON.stringify(c.tries)} must be a whole number 1-10` };
    out.tries = n;
  }
  return { ok: true, value: out };
}

/** Fills a Dapr template ({{.ID}}, {{.Namespace}}, {{.Port}}, {{.Data.key}}; missing data -> ""). */
export function renderTemplate(template: string, v: { id: string; namespace: string; port: number; data: Readonly<Record<string, string>> }): string {
  return template.replace(/\{\{\s*\.(ID|Namespace|Port|Data\.([A-Za-z0-9_-]+))\s*\}\}/g, (_all, what: string, key: string | undefined) =>
    what === 'ID' ? v.id : what === 'Namespace' ? v.namespace : what === 'Port' ? String(v.port) : (v.data[key ?? ''] ?? ''),
  );
}
