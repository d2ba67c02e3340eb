/**
 * mDNS name resolution (daprd's default in self-hosted mode).
 *
 * Announces this sidecar as an instance of service "<appId>.local" pointing at its internal port,
 * answers queries for it, and resolves other app ids from a cache of what it hears. Cached records
 * honour their TTLs: names in use are re-queried from 80% of their lifetime (RFC 6762 §5.2) and
 * every 30 s; a goodbye (TTL 0) or expiry drops an instance. Our own instance is never read from
 * the network: it is added from the registration, so a sidecar can always resolve itself.
 */
import type { Answer } from 'dns-packet';
import type { RemoteInfo } from 'node:dgram';
import type { Endpoint, ResolveRequest, ResolveResult, Resolver, SelfRegistration } from '../contract';
import type { Logger } from '../../observability/logger';
import { DiscoveryError } from '../errors';
import { announcedAddresses } from './addresses';
import { MdnsCache } from './cache';
import { nameKey, ownNames, serviceName } from './names';
import type { MdnsOptions } from './options';
import { allRecords, replyTo, type Announcement } from './records';
import type { MdnsSocket } from './transport';

const SWEEP_INTERVAL_MS = 1000;
const PERIODIC_BROWSE_MS = 30_000;
const MIN_REQUERY_GAP_MS = 1000;
/** Concurrent first resolves of one app id share a query sent this recently. */
const FIRST_QUERY_GAP_MS = 100;
/** An app id nobody resolved or watched for this long stops being refreshed. */
const INTEREST_IDLE_MS = 10 * 60_000;

interface Interest {
  lastUsed: number;
  lastQueryAt: number;
  lastKey: string;
  readonly watchers: Set<(endpoints: readonly Endpoint[]) => void>;
  readonly waiters: Set<() => void>;
}

function endpointsKey(endpoints: readonly Endpoint[]): string {
  return endpoints.map((e) => `${e.host}|${e.port}|${e.namespace ?? ''}`).sort().join(',');
}

export class MdnsResolver implements Resolver {
  readonly name = 'mdns';
  private readonly cache = new MdnsCache();
  private readonly interests = new Map<string, Interest>();
  private state: 'new' | 'starting' | 'running' | 'closed' = 'new';
  private mdns: MdnsSocket | undefined;
  private self: { reg: SelfRegistration; announcement: Announcement; endpoint: Endpoint } | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private announceTimers: NodeJS.Timeout[] = [];

  constructor(
    private readonly opts: MdnsOptions,
    private readonly log: Logger,
  ) {}

  async init(self: SelfRegistration): Promise<void> {
    if (this.state !== 'new') throw new DiscoveryError('INVALID_REGISTRATION', `mdns resolver cannot be initialised twice (state ${this.state})`);
    if (!self.appId) throw new DiscoveryError('INVALID_REGISTRATION', 'mdns: app id is missing');
    if (!Number.isInteger(self.internalPort) || self.internalPort <= 0 || self.internalPort > 65535) {
      throw new DiscoveryError('INVALID_REGISTRATION', `mdns: internal port ${self.internalPort} is missing or invalid`);
    }
    this.state = 'starting';
    try {
      const addresses = await announcedAddresses(self.host);
      const names = ownNames(self.appId, self.internalPort);
      const announcement: Announcement = { names, appId: self.appId, namespace: self.namespace, port: self.internalPort, addresses };
      const endpoint: Endpoint = { host: addresses[0] as string, port: self.internalPort, appId: self.appId, namespace: self.namespace };
      // multicast-dns is loaded when the resolver starts (after the API listens), not at start-up.
      const { openMdnsSocket } = require('./transport') as typeof import('./transport');
      const { mdns, via } = await openMdnsSocket(this.opts, this.log);
      if (this.state !== 'starting') {
        mdns.destroy();
        throw new DiscoveryError('INVALID_REGISTRATION', 'mdns resolver was closed during init');
      }
      this.mdns = mdns;
      this.self = { reg: self, announcement, endpoint };
      mdns.on('response', (packet: { answers: Answer[]; additionals: Answer[] }) => this.onResponse(packet));
      mdns.on('query', (packet: { questions: import('dns-packet').Question[] }, rinfo: RemoteInfo) => this.onQuery(packet, rinfo));
      this.state = 'running';
      this.announce();
      // RFC 6762 §8.3: announce at least twice, one second apart; then refresh well within the TTL.
      this.announceTimers.push(setTimeout(() => this.announce(), 1000).unref());
      this.announceTimers.push(setInterval(() => this.announce(), (this.opts.ttlSeconds * 1000) / 2).unref());
      this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
      this.log.info(`local service entry announced: ${self.appId} -> ${endpoint.host}:${self.internalPort}`, { via });
    } catch (err) {
      this.state = 'closed';
      if (err instanceof DiscoveryError) throw err;
      throw new DiscoveryError('MDNS_UNAVAILABLE', `mDNS unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async resolve(req: ResolveRequest): Promise<ResolveResult> {
    if (this.state !== 'running') return { ok: false, code: 'RESOLVER_ERROR', message: `mdns resolver is not running (${this.state})` };
    if (!req.appId) return { ok: false, code: 'NOT_FOUND', message: 'app id is empty' };
    const interest = this.interest(req.appId);
    interest.lastUsed = Date.now();
    const current = this.endpoints(req.appId);
    if (current.length > 0) return { ok: true, endpoints: current };

    const found = await this.waitForFirst(req.appId, interest);
    if (found.length > 0) return { ok: true, endpoints: found };
    return { ok: false, code: 'NOT_FOUND', message: `no mDNS answer for app id "${req.appId}" within ${this.opts.resolveTimeoutMs}ms` };
  }

  watch(req: ResolveRequest, onChange: (endpoints: readonly Endpoint[]) => void): () => void {
    const interest = this.interest(req.appId);
    interest.lastUsed = Date.now();
    interest.watchers.add(onChange);
    if (this.state === 'running') {
      const current = this.endpoints(req.appId);
      // A new watcher learns the current set right away (after the caller has its unsubscribe).
      if (current.length > 0) queueMicrotask(() => interest.watchers.has(onChange) && onChange(current));
      else this.query(req.appId, interest);
    }
    return () => {
      interest.watchers.delete(onChange);
      interest.lastUsed = Date.now();
    };
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    clearInterval(this.sweepTimer);
    for (const t of this.announceTimers) clearTimeout(t);
    this.announceTimers = [];
    for (const interest of this.interests.values()) for (const wake of interest.waiters) wake();
    const mdns = this.mdns;
    this.mdns = undefined;
    if (!mdns) return;
    if (wasRunning && this.self) {
      const goodbye = allRecords(this.self.announcement, 0);
      await new Promise<void>((resolve) => mdns.respond({ answers: goodbye }, () => resolve()));
      this.log.debug('mdns goodbye sent', { appId: this.self.reg.appId });
    }
    await new Promise<void>((resolve) => mdns.destroy(() => resolve()));
  }

  /** Current endpoints of an app id: cached instances plus ourselves when the id is ours. */
  private endpoints(appId: string): Endpoint[] {
    const now = Date.now();
    const out: Endpoint[] = [];
    const seen = new Set<string>();
    const add = (e: Endpoint): void => {
      const k = `${e.host}|${e.port}`;
      if (!seen.has(k)) (seen.add(k), out.push(e));
    };
    if (this.self && this.self.reg.appId === appId) add(this.self.endpoint);
    const own = this.self ? nameKey(this.self.announcement.names.instance) : '';
    for (const i of this.cache.instances(serviceName(appId), now)) {
      if (i.instance === own) continue;
      add(i.namespace ? { host: i.host, port: i.port, appId, namespace: i.namespace } : { host: i.host, port: i.port, appId });
    }
    return out;
  }

  private interest(appId: string): Interest {
    let i = this.interests.get(appId);
    if (!i) {
      i = { lastUsed: Date.now(), lastQueryAt: 0, lastKey: '', watchers: new Set(), waiters: new Set() };
      this.interests.set(appId, i);
    }
    return i;
  }

  /** Queries, then waits until an endpoint appears or resolveTimeout passes (re-querying once halfway). */
  private waitForFirst(appId: string, interest: Interest): Promise<Endpoint[]> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(deadline);
        clearTimeout(retry);
        interest.waiters.delete(check);
        resolve(this.state === 'running' ? this.endpoints(appId) : []);
      };
      const check = (): void => {
        if (this.state !== 'running' || this.endpoints(appId).length > 0) finish();
      };
      const deadline = setTimeout(finish, this.opts.resolveTimeoutMs);
      const retry = setTimeout(() => this.query(appId, interest, FIRST_QUERY_GAP_MS), this.opts.resolveTimeoutMs / 2);
      interest.waiters.add(check);
      this.query(appId, interest, FIRST_QUERY_GAP_MS);
    });
  }

  private query(appId: string, interest: Interest, minGapMs = MIN_REQUERY_GAP_MS): void {
    const now = Date.now();
    if (!this.mdns || now - interest.lastQueryAt < minGapMs) return;
    interest.lastQueryAt = now;
    this.mdns.query([{ name: serviceName(appId), type: 'PTR' }], (err) => {
      if (err) this.log.debug('mdns query send failed', { appId, error: err });
    });
  }

  private announce(): void {
    if (this.state !== 'running' || !this.mdns || !this.self) return;
    this.mdns.respond({ answers: allRecords(this.self.announcement, this.opts.ttlSeconds) }, (err) => {
      if (err) this.log.warn('mdns announcement failed', { error: err });
    });
  }

  private onResponse(packet: { answers: Answer[]; additionals: Answer[] }): void {
    if (this.state !== 'running') return;
    this.cache.ingest([...(packet.answers ?? []), ...(packet.additionals ?? [])], Date.now());
    this.notify();
  }

  private onQuery(packet: { questions: import('dns-packet').Question[] }, rinfo: RemoteInfo): void {
    if (this.state !== 'running' || !this.mdns || !this.self) return;
    const reply = replyTo(packet.questions ?? [], this.self.announcement, this.opts.ttlSeconds);
    if (!reply) return;
    this.mdns.respond({ answers: reply.answers, additionals: reply.additionals });
    // A query from a port other than 5353 is a one-shot (legacy unicast) query: answer it directly too.
    if (rinfo.port !== this.opts.port) this.mdns.respond({ answers: reply.answers, additionals: reply.additionals }, { port: rinfo.port, address: rinfo.address });
  }

  /** Expires records, re-queries names in use whose records near expiry, and reports changes. */
  private sweep(): void {
    if (this.state !== 'running') return;
    const now = Date.now();
    this.cache.expire(now);
    for (const [appId, interest] of this.interests) {
      const idle = interest.watchers.size === 0 && interest.waiters.size === 0 && now - interest.lastUsed > INTEREST_IDLE_MS;
      if (idle) {
        this.interests.delete(appId);
        continue;
      }
      const refreshAt = this.cache.refreshAt(serviceName(appId), 0.8, now);
      if ((refreshAt !== undefined && refreshAt <= now) || now - interest.lastQueryAt >= PERIODIC_BROWSE_MS) this.query(appId, interest);
    }
    this.notify();
  }

  private notify(): void {
    for (const [appId, interest] of this.interests) {
      if (interest.watchers.size === 0 && interest.waiters.size === 0) continue;
      const endpoints = this.endpoints(appId);
      const key = endpointsKey(endpoints);
      for (const wake of [...interest.waiters]) wake();
      if (key === interest.lastKey) continue;
      interest.lastKey = key;
      for (const w of interest.watchers) {
        try {
          w(endpoints);
        } catch (err) {
          this.log.warn('mdns watcher threw', { appId, error: err });
        }
      }
    }
  }
}
