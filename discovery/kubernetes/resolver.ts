/**
 * The "kubernetes" resolver: an app id in a namespace is the headless Service the Dapr operator
 * creates, `<appId>-dapr.<namespace>.svc.<clusterDomain>`, whose A/AAAA records are the pods.
 * The internal port comes from the SRV record `_<internalPortName>._tcp.<service>` when DNS has
 * one, else it is internalPort (50002, what the injector pins). A `template` replaces the whole
 * "host[:port]" target. Nothing is announced: Kubernetes publishes the records.
 *
 * Answers are cached per app id and namespace for their smallest record TTL, capped by
 * maxCacheTtl; "not found" for negativeCacheTtl; server errors are never cached. Concurrent
 * resolves of one target share one lookup.
 */
import { Resolver as DnsResolver } from 'node:dns/promises';
import type { Endpoint, ResolveRequest, ResolveResult, Resolver, SelfRegistration } from '../contract';
import type { Logger } from '../../observability/logger';
import { DiscoveryError } from '../errors';
import { dnsCode, lookupTarget, UNREACHABLE } from './dns-lookup';
import { renderTemplate, type KubernetesOptions } from './options';

interface CacheEntry {
  readonly result: ResolveResult;
  readonly expiresAt: number;
}

const DNS_FIELD = 'nameResolution.configuration.dnsServer';

export class KubernetesResolver implements Resolver {
  readonly name = 'kubernetes';
  private readonly dns: DnsResolver;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<ResolveResult>>();
  private closed = false;
  private defaultNamespace = 'default';
  /** For messages: where the questions go. */
  private readonly where: string;

  constructor(
    private readonly opts: KubernetesOptions,
    private readonly log: Logger,
  ) {
    this.dns = new DnsResolver({ timeout: opts.timeoutMs, tries: opts.tries });
    if (opts.dnsServers.length > 0) this.dns.setServers([...opts.dnsServers]);
    this.where = opts.dnsServers.length > 0 ? `server ${opts.dnsServers.join(', ')} (${DNS_FIELD})` : `system resolvers (${this.dns.getServers().join(', ') || 'none'})`;
  }

  /** The DNS name (or rendered template) asked for an app id. */
  target(appId: string, namespace: string): string {
    const ns = namespace || this.defaultNamespace;
    if (this.opts.template) return renderTemplate(this.opts.template, { id: appId, namespace: ns, port: this.opts.internalPort, data: this.opts.data });
    return `${appId}-dapr.${ns}.svc.${this.opts.clusterDomain}`;
  }

  /**
   * Checks the DNS server answers at all (any answer, even "no such name", will do) and rejects
   * with a message naming the server and the field when it does not. Resolving keeps working
   * afterwards either way: the server may come up later.
   */
  async init(self: SelfRegistration): Promise<void> {
    if (self.namespace) this.defaultNamespace = self.namespace;
    const probe = this.hostOf(this.target(self.appId || 'outrigger', this.defaultNamespace));
    try {
      await this.dns.resolve4(probe);
    } catch (err) {
      const code = dnsCode(err);
      if (UNREACHABLE.has(code)) {
        throw new DiscoveryError('INVALID_CONFIGURATION', `kubernetes: DNS ${this.where} is unreachable (${code} asking for ${probe})`);
      }
    }
    this.log.debug('kubernetes name resolution ready', { dns: this.where, example: this.target(self.appId, this.defaultNamespace) });
  }

  async resolve(req: ResolveRequest): Promise<ResolveResult> {
    if (this.closed) return { ok: false, code: 'RESOLVER_ERROR', message: 'kubernetes resolver is closed' };
    if (!req.appId) return { ok: false, code: 'NOT_FOUND', message: 'app id is empty' };
    const ns = req.namespace || this.defaultNamespace;
    const key = `${req.appId}\u0000${ns}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.result;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.lookup(req.appId, ns).then((r) => {
      this.inflight.delete(key);
      if (!this.closed) this.remember(key, r.result, r.ttlMs);
      return r.result;
    });
    this.inflight.set(key, p);
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dns.cancel();
    this.cache.clear();
  }

  private remember(key: string, result: ResolveResult, ttlMs: number | undefined): void {
    if (ttlMs === undefined || ttlMs <= 0) {
      this.cache.delete(key);
      return;
    }
    this.cache.set(key, { result, expiresAt: Date.now() + ttlMs });
    // Bounded: drop expired entries when the map grows.
    if (this.cache.size > 1024) for (const [k, e] of this.cache) if (e.expiresAt <= Date.now()) this.cache.delete(k);
  }

  private hostOf(target: string): string {
    return splitTarget(target, this.opts.internalPort).host;
  }

  private async lookup(appId: string, namespace: string): Promise<{ result: ResolveResult; ttlMs: number | undefined }> {
    const target = this.target(appId, namespace);
    const { host, port, explicitPort } = splitTarget(target, this.opts.internalPort);
    if (!host || port < 1 || port > 65535) {
      return { result: { ok: false, code: 'RESOLVER_ERROR', message: `app id "${appId}": target "${target}" (nameResolution.configuration.template) is not "host[:port]"` }, ttlMs: undefined };
    }
    // Without a template the port may be published as SRV; a template's port is final.
    const srv = this.opts.template || explicitPort ? undefined : `_${this.opts.internalPortName}._tcp.${host}`;
    const r = await lookupTarget(this.dns, host, srv, port, this.where);
    if (!r.ok) {
      if (r.kind === 'not-found') {
        const result: ResolveResult = { ok: false, code: 'NOT_FOUND', message: `app id "${appId}" in namespace "${namespace}": ${r.message}` };
        return { result, ttlMs: Math.min(this.opts.negativeCacheTtlMs, this.opts.maxCacheTtlMs) };
      }
      this.log.debug('kubernetes lookup failed', { appId, namespace, error: r.message });
      return { result: { ok: false, code: 'RESOLVER_ERROR', message: `app id "${appId}": ${r.message}` }, ttlMs: undefined };
    }
    const endpoints: Endpoint[] = r.addresses.map((a) => ({ host: a.host, port: a.port, appId, namespace }));
    const ttlMs = r.ttlSeconds === undefined ? this.opts.maxCacheTtlMs : Math.min(r.ttlSeconds * 1000, this.opts.maxCacheTtlMs);
    return { result: { ok: true, endpoints }, ttlMs };
  }
}

/** "host", "host:port", "[v6]" or "[v6]:port" (a bare IPv6 address is a host). */
export function splitTarget(target: string, defaultPort: number): { host: string; port: number; explicitPort: boolean } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (v6) return { host: v6[1] as string, port: v6[2] ? Number(v6[2]) : defaultPort, explicitPort: v6[2] !== undefined };
  const m = /^([^:]+):(\d+)$/.exec(target);
  if (m) return { host: m[1] as string, port: Number(m[2]), explicitPort: true };
  return { host: target.replace(/\.$/, ''), port: defaultPort, explicitPort: false };
}
