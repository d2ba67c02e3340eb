/**
 * DNS lookups for the kubernetes resolver, on node:dns's promise Resolver (c-ares), against the
 * configured server(s) or the system's.
 *
 * A target resolves to addresses (A and AAAA, asked in parallel) and a port: the SRV record
 * _<portName>._tcp.<service> when it exists (its target names are resolved in turn), otherwise the
 * default port. Results carry the smallest record TTL seen; SRV TTLs are not exposed by node:dns,
 * so an SRV answer is bounded by the caller's cache cap only.
 */
import { isIP } from 'node:net';
import type { Resolver as DnsResolver } from 'node:dns/promises';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export type LookupResult =
  | { readonly ok: true; readonly addresses: readonly Address[]; readonly ttlSeconds: number | undefined }
  | { readonly ok: false; readonly kind: 'not-found' | 'error'; readonly message: string };

/** Answers that mean "the name or record does not exist"; everything else is a server problem. */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NOTFOUND']);
/** Answers that mean no server could be reached at all. */
export const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEOUT', 'ETIMEDOUT', 'ECANCELLED', 'EHOSTUNREACH', 'ENETUNREACH']);

export function dnsCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

type HostResult =
  | { readonly ok: true; readonly hosts: readonly string[]; readonly ttlSeconds: number | undefined }
  | { readonly ok: false; readonly kind: 'not-found' | 'error'; readonly code: string };

async function addressesOf(dns: DnsResolver, name: string): Promise<HostResult> {
  if (isIP(name)) return { ok: true, hosts: [name], ttlSeconds: undefined };
  const [v4, v6] = await Promise.allSettled([dns.resolve4(name, { ttl: true }), dns.resolve6(name, { ttl: true })]);
  const hosts: string[] = [];
  let ttl: number | undefined;
  for (const r of [v4, v6]) {
    if (r.status !== 'fulfilled') continue;
    for (const rec of r.value) {
      hosts.push(rec.address);
      ttl = ttl === undefined ? rec.ttl : Math.min(ttl, rec.ttl);
    }
  }
  if (hosts.length > 0) return { ok: true, hosts, ttlSeconds: ttl };
  const codes = [v4, v6].map((r) => (r.status === 'rejected' ? dnsCode(r.reason) : 'ENODATA'));
  const failure = codes.find((c) => !ABSENT.has(c));
  return failure ? { ok: false, kind: 'error', code: failure } : { ok: false, kind: 'not-found', code: codes[0] as string };
}

/**
 * Addresses of `name`, with the port from SRV `srvName` when given and present, else defaultPort.
 * `where` names the server(s) for messages.
 */
export async function lookupTarget(dns: DnsResolver, name: string, srvName: string | undefined, defaultPort: number, where: string): Promise<LookupResult> {
  let targets: Array<{ name: string; port: number }> = [{ name, port: defaultPort }];
  if (srvName) {
    try {
      const srv = await dns.resolveSrv(srvName);
      if (srv.length > 0) targets = srv.map((s) => ({ name: s.name.replace(/\.$/, ''), port: s.port }));
    } catch (err) {
      const code = dnsCode(err);
      if (!ABSENT.has(code)) return { ok: false, kind: 'error', message: `DNS ${where}: SRV ${srvName}: ${code}` };
    }
  }
  const addresses: Address[] = [];
  const seen = new Set<string>();
  let ttl: number | undefined;
  let lastAbsent = '';
  for (const t of targets) {
    const r = await addressesOf(dns, t.name);
    if (!r.ok) {
      if (r.kind === 'error') return { ok: false, kind: 'error', message: `DNS ${where}: ${t.name}: ${r.code}` };
      lastAbsent = `${t.name}: ${r.code}`;
      continue;
    }
    if (r.ttlSeconds !== undefined) ttl = ttl === undefined ? r.ttlSeconds : Math.min(ttl, r.ttlSeconds);
    for (const host of r.hosts) {
      const key = `${host}|${t.port}`;
      if (!seen.has(key)) (seen.add(key), addresses.push({ host, port: t.port }));
    }
  }
  if (addresses.length === 0) return { ok: false, kind: 'not-found', message: `DNS ${where}: no A/AAAA records (${lastAbsent})` };
  return { ok: true, addresses, ttlSeconds: ttl };
}
