/**
 * A cache of DNS-SD records heard on the network, with per-record expiry (RFC 6762 §10):
 * a record lives for its TTL from when it was received, a TTL of 0 (goodbye) removes it at once,
 * and a cache-flush address record replaces the older addresses of its name.
 * Endpoints are assembled at read time: service PTR -> instance SRV -> target A/AAAA.
 */
import type { Answer } from 'dns-packet';
import { isIP } from 'node:net';
import { nameKey } from './names';
import { NAMESPACE_TXT_PREFIX } from './records';

interface Lifetime {
  readonly receivedAt: number;
  readonly expiresAt: number;
}
interface PtrEntry extends Lifetime { readonly instance: string }
interface SrvEntry extends Lifetime { readonly target: string; readonly port: number }
interface TxtEntry extends Lifetime { readonly strings: readonly string[] }
interface AddrEntry extends Lifetime { readonly family: 4 | 6 }

/** One instance of a service as far as the cache knows, with a dialable address. */
export interface CachedInstance {
  /** Lower-case instance name (stable identity across refreshes). */
  readonly instance: string;
  readonly host: string;
  readonly port: number;
  readonly namespace?: string;
}

function txtStrings(data: unknown): string[] {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p)));
}

export class MdnsCache {
  private readonly ptr = new Map<string, Map<string, PtrEntry>>();
  private readonly srv = new Map<string, SrvEntry>();
  private readonly txt = new Map<string, TxtEntry>();
  private readonly addr = new Map<string, Map<string, AddrEntry>>();

  /** maxNames bounds each table so a chatty network cannot grow the cache without limit. */
  constructor(private readonly maxNames = 4096) {}

  ingest(records: readonly Answer[], now: number): void {
    for (const r of records) {
      if (r.type !== 'PTR' && r.type !== 'SRV' && r.type !== 'TXT' && r.type !== 'A' && r.type !== 'AAAA') continue;
      const ttl = typeof r.ttl === 'number' ? r.ttl : 0;
      const life: Lifetime = { receivedAt: now, expiresAt: now + ttl * 1000 };
      const name = nameKey(r.name);
      switch (r.type) {
        case 'PTR': {
          const instance = nameKey(r.data);
          const set = this.ptr.get(name);
          if (ttl === 0) {
            set?.delete(instance);
            if (set?.size === 0) this.ptr.delete(name);
          } else if (set) {
            set.set(instance, { ...life, instance });
          } else if (this.ptr.size < this.maxNames) {
            this.ptr.set(name, new Map([[instance, { ...life, instance }]]));
          }
          break;
        }
        case 'SRV':
          if (ttl === 0) this.srv.delete(name);
          else if (this.srv.has(name) || this.srv.size < this.maxNames) this.srv.set(name, { ...life, target: nameKey(r.data.target), port: r.data.port });
          break;
        case 'TXT':
          if (ttl === 0) this.txt.delete(name);
          else if (this.txt.has(name) || this.txt.size < this.maxNames) this.txt.set(name, { ...life, strings: txtStrings(r.data) });
          break;
        case 'A':
        case 'AAAA': {
          const family = r.type === 'A' ? 4 : 6;
          let set = this.addr.get(name);
          if (ttl === 0) {
            set?.delete(r.data);
          } else {
            if (!set && this.addr.size < this.maxNames) this.addr.set(name, (set = new Map()));
            if (!set) break;
            // Cache-flush: addresses of this family heard more than a second ago are superseded.
            if (r.flush) for (const [ip, e] of set) if (e.family === family && e.receivedAt < now - 1000) set.delete(ip);
            set.set(r.data, { ...life, family });
          }
          if (set?.size === 0) this.addr.delete(name);
          break;
        }
      }
    }
  }

  /** Live instances of a service ("<appId>.local") that have a port and an address. */
  instances(service: string, now: number): CachedInstance[] {
    const out: CachedInstance[] = [];
    for (const p of this.ptr.get(nameKey(service))?.values() ?? []) {
      if (p.expiresAt <= now) continue;
      const s = this.srv.get(p.instance);
      if (!s || s.expiresAt <= now) continue;
      const host = this.addressOf(s.target, now);
      if (!host) continue;
      const t = this.txt.get(p.instance);
      const nsEntry = t && t.expiresAt > now ? t.strings.find((x) => x.startsWith(NAMESPACE_TXT_PREFIX)) : undefined;
      const namespace = nsEntry?.slice(NAMESPACE_TXT_PREFIX.length);
      out.push(namespace ? { instance: p.instance, host, port: s.port, namespace } : { instance: p.instance, host, port: s.port });
    }
    return out;
  }

  /** IPv4 preferred; a target that is itself an IP literal needs no address record. */
  private addressOf(target: string, now: number): string | undefined {
    let v6: string | undefined;
    for (const [ip, e] of this.addr.get(target) ?? []) {
      if (e.expiresAt <= now) continue;
      if (e.family === 4) return ip;
      v6 ??= ip;
    }
    return v6 ?? (isIP(target) ? target : undefined);
  }

  /** Drops every record past its expiry. */
  expire(now: number): void {
    for (const [name, set] of this.ptr) {
      for (const [k, e] of set) if (e.expiresAt <= now) set.delete(k);
      if (set.size === 0) this.ptr.delete(name);
    }
    for (const table of [this.srv, this.txt]) for (const [k, e] of table) if (e.expiresAt <= now) table.delete(k);
    for (const [name, set] of this.addr) {
      for (const [k, e] of set) if (e.expiresAt <= now) set.delete(k);
      if (set.size === 0) this.addr.delete(name);
    }
  }

  /**
   * The earliest time at which a live record the service depends on reaches `fraction` of its
   * lifetime (RFC 6762 §5.2 re-queries at 80%); undefined when nothing is cached for it.
   */
  refreshAt(service: string, fraction: number, now: number): number | undefined {
    let at: number | undefined;
    const consider = (e: Lifetime | undefined): void => {
      if (!e || e.expiresAt <= now) return;
      const t = e.receivedAt + (e.expiresAt - e.receivedAt) * fraction;
      at = at === undefined ? t : Math.min(at, t);
    };
    for (const p of this.ptr.get(nameKey(service))?.values() ?? []) {
      consider(p);
      const s = this.srv.get(p.instance);
      consider(s);
      if (s) for (const a of this.addr.get(s.target)?.values() ?? []) consider(a);
    }
    return at;
  }
}
