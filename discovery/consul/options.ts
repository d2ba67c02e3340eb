/**
 * Options of the "consul" resolver, read from Configuration spec.nameResolution.configuration with
 * Dapr's keys (Consul Go API field names in camelCase; keys match case-insensitively like Dapr's
 * decoder does):
 *   client            { address ("host:port" or a URL; default CONSUL_HTTP_ADDR or 127.0.0.1:8500),
 *                       scheme (http|https), token (default CONSUL_HTTP_TOKEN), datacenter, pathPrefix,
 *                       waitTime, tlsConfig { caFile, certFile, keyFile, address, insecureSkipVerify } }
 *   checks[]          health checks for self-registration (default: HTTP on the sidecar's healthz)
 *   tags[], meta{}    added to the self-registration
 *   queryOptions      { datacenter, filter, near, allowStale, requireConsistent, waitTime, token,
 *                       useCache } for lookups (the agent-cache flag useCache is accepted, not sent)
 *   advancedRegistration  a whole service registration, used instead of the generated one
 *   daprPortMetaKey   meta key carrying the internal port (default DAPR_PORT)
 *   selfRegister, selfDeregister, useCache   booleans (default false)
 */
import { isIP } from 'node:net';
import { parseDurationMs, type ParseResult } from '../mdns/options';

export interface ConsulClientOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly pathPrefix: string;
  readonly token?: string;
  readonly datacenter?: string;
  readonly tls: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string; readonly serverName?: string; readonly insecureSkipVerify: boolean };
}

export interface ConsulQueryOptions {
  readonly datacenter?: string;
  readonly filter?: string;
  readonly near?: string;
  readonly stale: boolean;
  readonly consistent: boolean;
  readonly token?: string;
  /** Blocking-query wait, Consul duration text (e.g. "30s"). */
  readonly wait: string;
}

export type Json = Record<string, unknown>;

export interface ConsulOptions {
  readonly client: ConsulClientOptions;
  readonly checks?: readonly Json[];
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly query: ConsulQueryOptions;
  readonly advancedRegistration?: Json;
  readonly daprPortMetaKey: string;
  readonly selfRegister: boolean;
  readonly selfDeregister: boolean;
  readonly useCache: boolean;
}

const F = 'nameResolution.configuration';
type Fail = { ok: false; message: string };
const fail = (where: string, what: string): Fail => ({ ok: false, message: `${F}.${where}: ${what}` });

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Looks a key up case-insensitively (Dapr decodes with mapstructure, which ignores case). */
export function pick(obj: Json, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True' || v === '1') return true;
  if (v === 'false' || v === 'False' || v === '0') return false;
  return undefined;
}

function optString(obj: Json, key: string, where: string): string | undefined | Fail {
  const v = pick(obj, key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return fail(`${where}.${key}`, `${JSON.stringify(v)} is not a string`);
  return v;
}

const isFail = (v: unknown): v is Fail => isRecord(v) && v.ok === false;

/** "host[:port]", "[v6][:port]" or "http(s)://host[:port][/prefix]" -> parts, or the reason it is not. */
export function parseConsulAddress(text: string, scheme: string | undefined): { host: string; port: number; secure: boolean; pathPrefix: string } | string {
  const t = text.trim();
  let host: string;
  let portText: string | undefined;
  let secure = scheme === 'https';
  let pathPrefix = '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      return 'is not a valid URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme "${url.protocol.replace(':', '')}" is not http or https`;
    secure = url.protocol === 'https:';
    host = url.hostname.replace(/^\[|\]$/g, '');
    portText = url.port || undefined;
    pathPrefix = url.pathname.replace(/\/+$/, '');
  } else {
    const m = /^\[([^\]]+)\](?::(\d*))?$/.exec(t) ?? /^([^:/\s]+)(?::(\d*))?$/.exec(t);
    if (!m) return 'expected "host:port" or "http(s)://host:port"';
    host = m[1] as string;
    portText = m[2];
    if (portText === '') return 'has an empty port';
  }
  if (!host || (host.includes(':') && isIP(host) !== 6) || !/^[A-Za-z0-9_.:-]+$/.test(host)) return `"${host}" is not a valid host`;
  const port = portText === undefined ? (secure ? 8501 : 8500) : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port ${portText} is out of range 1-65535`;
  return { host, port, secure, pathPrefix };
}

function parseClient(raw: unknown, env: NodeJS.ProcessEnv): ConsulClientOptions | Fail {
  if (raw !== undefined && raw !== null && !isRecord(raw)) return fail('client', 'must be a map (address, scheme, token, datacenter, ...)');
  const c = (raw ?? {}) as Json;
  const scheme = optString(c, 'scheme', 'client');
  if (isFail(scheme)) return scheme;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return fail('client.scheme', `${JSON.stringify(scheme)} must be "http" or "https"`);
  const addrField = optString(c, 'address', 'client');
  if (isFail(addrField)) return addrField;
  const address = addrField ?? env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
  const where = addrField !== undefined ? 'client.address' : 'client.address (from CONSUL_HTTP_ADDR)';
  const parsed = parseConsulAddress(address, scheme ?? (env.CONSUL_HTTP_SSL === 'true' ? 'https' : undefined));
  if (typeof parsed === 'string') return fail(where, `${JSON.stringify(address)} ${parsed}`);
  const token = optString(c, 'token', 'client');
  const datacenter = optString(c, 'datacenter', 'client');
  const pathPrefix = optString(c, 'pathPrefix', 'client');
  for (const v of [token, datacenter, pathPrefix]) if (isFail(v)) return v;
  const tlsRaw = pick(c, 'tlsConfig');
  if (tlsRaw !== undefined && !isRecord(tlsRaw)) return fail('client.tlsConfig', 'must be a map (caFile, certFile, keyFile, address, insecureSkipVerify)');
  const t = (tlsRaw ?? {}) as Json;
  const tls: { -readonly [K in keyof ConsulClientOptions['tls']]: ConsulClientOptions['tls'][K] } = { insecureSkipVerify: false };
  for (const [key, prop] of [['caFile', 'caFile'], ['certFile', 'certFile'], ['keyFile', 'keyFile'], ['address', 'serverName']] as const) {
    const v = optString(t, key, 'client.tlsConfig');
    if (isFail(v)) return v;
    if (v !== undefined) tls[prop] = v;
  }
  const skip = pick(t, 'insecureSkipVerify');
  if (skip !== undefined && bool(skip) === undefined) return fail('client.tlsConfig.insecureSkipVerify', `${JSON.stringify(skip)} is not a boolean`);
  tls.insecureSkipVerify = bool(skip) ?? false;
  const tok = (token as string | undefined) ?? env.CONSUL_HTTP_TOKEN;
  return {
    host: parsed.host, port: parsed.port, secure: parsed.secure, pathPrefix: (pathPrefix as string | undefined)?.replace(/\/+$/, '') ?? parsed.pathPrefix, tls,
    ...(tok ? { token: tok } : {}), ...(datacenter ? { datacenter: datacenter as string } : {}),
  };
}

function parseQuery(raw: unknown, client: ConsulClientOptions): ConsulQueryOptions | Fail {
  if (raw !== undefined && raw !== null && !isRecord(raw)) return fail('queryOptions', 'must be a map (datacenter, filter, near, allowStale, ...)');
  const q = (raw ?? {}) as Json;
  const out: { -readonly [K in keyof ConsulQueryOptions]: ConsulQueryOptions[K] } = { stale: false, consistent: false, wait: '30s' };
  for (const key of ['datacenter', 'filter', 'near', 'token'] as const) {
    const v = optString(q, key, 'queryOptions');
    if (isFail(v)) return v;
    if (v !== undefined) out[key] = v;
  }
  if (!out.datacenter && client.datacenter) out.datacenter = client.datacenter;
  for (const [key, prop] of [['allowStale', 'stale'], ['requireConsistent', 'consistent'], ['useCache', undefined]] as const) {
    const v = pick(q, key);
    if (v === undefined) continue;
    const b = bool(v);
    if (b === undefined) return fail(`queryOptions.${key}`, `${JSON.stringify(v)} is not a boolean`);
    if (prop) out[prop] = b;
  }
  const wait = pick(q, 'waitTime');
  if (wait !== undefined) {
    const ms = parseDurationMs(wait);
    if (ms === undefined || ms < 1) return fail('queryOptions.waitTime', `${JSON.stringify(wait)} is not a duration (e.g. "30s")`);
    out.wait = `${Math.ceil(ms)}ms`;
  }
  return out;
}

function parseChecks(raw: unknown): Json[] | undefined | Fail {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) return fail('checks', 'must be a list of checks');
  const out: Json[] = [];
  for (const [i, c] of raw.entries()) {
    if (!isRecord(c)) return fail(`checks[${i}]`, 'must be a map (name, checkID, interval, http|tcp|grpc|ttl, ...)');
    const probe = ['http', 'tcp', 'grpc', 'h2ping', 'udp', 'args', 'script'].some((k) => pick(c, k) !== undefined);
    const interval = pick(c, 'interval');
    const ok = (probe && interval !== undefined) || pick(c, 'ttl') !== undefined || pick(c, 'aliasNode') !== undefined || pick(c, 'aliasService') !== undefined;
    if (!ok) return fail(`checks[${i}]`, 'needs http/tcp/grpc/... with interval, or ttl, or aliasNode/aliasService');
    out.push(c);
  }
  return out;
}

export function parseConsulOptions(cfg: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv = process.env): ParseResult<ConsulOptions> {
  const c = (cfg ?? {}) as Json;
  const client = parseClient(pick(c, 'client'), env);
  if (isFail(client)) return client;
  const query = parseQuery(pick(c, 'queryOptions'), client);
  if (isFail(query)) return query;
  const checks = parseChecks(pick(c, 'checks'));
  if (isFail(checks)) return checks;

  const tagsRaw = pick(c, 'tags') ?? [];
  if (!Array.isArray(tagsRaw) || tagsRaw.some((t) => typeof t !== 'string')) return fail('tags', 'must be a list of strings');
  const metaRaw = pick(c, 'meta') ?? {};
  if (!isRecord(metaRaw)) return fail('meta', 'must be a map of string to string');
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metaRaw)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return fail(`meta.${k}`, `${JSON.stringify(v)} is not a string`);
    meta[k] = String(v);
  }
  const adv = pick(c, 'advancedRegistration');
  if (adv !== undefined && adv !== null && !isRecord(adv)) return fail('advancedRegistration', 'must be a map (name, id, port, address, meta, checks, ...)');
  const key = pick(c, 'daprPortMetaKey');
  if (key !== undefined && (typeof key !== 'string' || key.trim() === '')) return fail('daprPortMetaKey', `${JSON.stringify(key)} must be a non-empty string`);

  const flags: Record<'selfRegister' | 'selfDeregister' | 'useCache', boolean> = { selfRegister: false, selfDeregister: false, useCache: false };
  for (const name of Object.keys(flags) as Array<keyof typeof flags>) {
    const v = pick(c, name);
    if (v === undefined) continue;
    const b = bool(v);
    if (b === undefined) return fail(name, `${JSON.stringify(v)} is not a boolean`);
    flags[name] = b;
  }
  return {
    ok: true,
    value: {
      client, query, tags: tagsRaw as string[], meta, daprPortMetaKey: typeof key === 'string' ? key.trim() : 'DAPR_PORT', ...flags,
      ...(checks ? { checks } : {}), ...(isRecord(adv) ? { advancedRegistration: adv } : {}),
    },
  };
}
