/**
 * The "consul" resolver, on the `consul` npm client against the local Consul agent's HTTP API.
 *
 * init(self) checks the agent answers (GET /v1/agent/self) and, with selfRegister, registers this
 * sidecar (see registration.ts); close() deregisters it when selfDeregister is set. Lookups ask
 * GET /v1/health/service/<appId>?passing=true and use meta[daprPortMetaKey] as the port (see
 * entries.ts for what is filtered out). With useCache each app id asked for gets a blocking-query
 * watch (service-watch.ts) that keeps its set current and pushes changes to watchers; without it
 * every resolve is one query, as in Dapr. A stale registration is further guarded against by the
 * caller's mTLS check of the peer's SPIFFE id (…/ns/<ns>/<appId>), which fails for any other app.
 */
import Consul = require('consul');
import type { Endpoint, ResolveRequest, ResolveResult, Resolver, SelfRegistration } from '../contract';
import type { Logger } from '../../observability/logger';
import { DiscoveryError } from '../errors';
import { endpointsFromEntries, type EntryFilter } from './entries';
import type { ConsulOptions } from './options';
import { buildRegistration, type ServiceRegistration } from './registration';
import { ServiceWatch } from './service-watch';

const REQUEST_TIMEOUT_MS = 10_000;
const INIT_TIMEOUT_MS = 5000;
const F = 'nameResolution.configuration';
/** A blocking-query watch nobody resolved or watched for this long is stopped. */
const WATCH_IDLE_MS = 10 * 60_000;

/** TLS material read at creation (files named in client.tlsConfig). */
export interface ConsulTlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

function errorText(err: unknown): string {
  const e = err as { message?: unknown; statusCode?: unknown; response?: { body?: unknown } } | null;
  const status = typeof e?.statusCode === 'number' ? `HTTP ${e.statusCode}: ` : '';
  return `${status}${typeof e?.message === 'string' ? e.message : String(err)}`;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export class ConsulResolver implements Resolver {
  readonly name = 'consul';
  private readonly consul: Consul;
  /** Base URL, for messages. */
  readonly agentUrl: string;
  private readonly watches = new Map<string, ServiceWatch>();
  private registered: ServiceRegistration | undefined;
  private self: EntryFilter['self'];
  private closed = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: ConsulOptions,
    tls: ConsulTlsMaterial,
    private readonly log: Logger,
  ) {
    const c = opts.client;
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    this.agentUrl = `${c.secure ? 'https' : 'http'}://${host}:${c.port}${c.pathPrefix}`;
    const clientOptions: Record<string, unknown> = {
      baseUrl: `${this.agentUrl}/v1`,
      ...(c.token ? { defaults: { token: c.token } } : {}),
      ...(c.secure ? { rejectUnauthorized: !c.tls.insecureSkipVerify, ...(c.tls.serverName ? { servername: c.tls.serverName } : {}), ...tls } : {}),
    };
    this.consul = new Consul(clientOptions as ConstructorParameters<typeof Consul>[0]);
  }

  /** The service id registered with the agent, once registered. */
  get registrationId(): string | undefined {
    return this.registered?.id;
  }

  async init(self: SelfRegistration): Promise<void> {
    if (this.closed) throw new DiscoveryError('INVALID_REGISTRATION', 'consul resolver is closed');
    this.self = { key: `${self.host}|${self.internalPort}`, appId: self.appId };
    try {
      await this.consul.agent.self({ timeout: INIT_TIMEOUT_MS } as Parameters<Consul['agent']['self']>[0]);
    } catch (err) {
      throw this.agentError(err, 'agent check (GET /v1/agent/self)');
    }
    if (!this.opts.selfRegister) {
      this.log.info(`consul agent ${this.agentUrl} reachable; not registering (selfRegister is off)`);
      return;
    }
    const reg = buildRegistration(this.opts, self);
    if (typeof reg === 'string') throw new DiscoveryError('INVALID_CONFIGURATION', `consul: ${reg}`);
    try {
      await this.consul.agent.service.register({ ...reg, timeout: REQUEST_TIMEOUT_MS } as unknown as Parameters<Consul['agent']['service']['register']>[0]);
    } catch (err) {
      throw this.agentError(err, `registering service "${reg.id}" (${F}.checks / advancedRegistration)`);
    }
    this.registered = reg;
    this.log.info(`registered with consul ${this.agentUrl} as "${reg.id}"`);
  }

  async resolve(req: ResolveRequest): Promise<ResolveResult> {
    if (this.closed) return { ok: false, code: 'RESOLVER_ERROR', message: 'consul resolver is closed' };
    if (!req.appId) return { ok: false, code: 'NOT_FOUND', message: 'app id is empty' };
    if (this.opts.useCache) {
      const sw = this.watchFor(req.appId);
      await sw.ready();
      const { endpoints, error } = sw.state;
      if (endpoints === undefined) return { ok: false, code: 'RESOLVER_ERROR', message: `consul ${this.agentUrl}: ${error ?? 'closed'}` };
      if (endpoints.length > 0) return { ok: true, endpoints };
      return { ok: false, code: 'NOT_FOUND', message: `no passing instance of "${req.appId}" with meta ${this.opts.daprPortMetaKey} in consul` };
    }
    let entries: unknown;
    try {
      const query = { ...this.queryOptions(), service: req.appId, passing: true, timeout: REQUEST_TIMEOUT_MS };
      entries = await this.consul.health.service(query);
    } catch (err) {
      return { ok: false, code: 'RESOLVER_ERROR', message: `consul ${this.agentUrl}: ${errorText(err)}` };
    }
    const conv = endpointsFromEntries(entries, this.filter(req.appId));
    if (conv.endpoints.length > 0) return { ok: true, endpoints: conv.endpoints };
    const why = conv.skipped.length > 0 ? ` (found but unusable: ${conv.skipped.join('; ')})` : '';
    return { ok: false, code: 'NOT_FOUND', message: `no passing instance of "${req.appId}" in consul${why}` };
  }

  /** Pushes changes only with useCache (blocking queries); otherwise never calls back. */
  watch(req: ResolveRequest, onChange: (endpoints: readonly Endpoint[]) => void): () => void {
    if (!this.opts.useCache || this.closed || !req.appId) return () => undefined;
    const sw = this.watchFor(req.appId);
    sw.watchers.add(onChange);
    const now = sw.state.endpoints;
    if (now && now.length > 0) queueMicrotask(() => sw.watchers.has(onChange) && onChange(now));
    return () => {
      sw.watchers.delete(onChange);
      sw.lastUsed = Date.now();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const sw of this.watches.values()) sw.stop();
    this.watches.clear();
    const reg = this.registered;
    this.registered = undefined;
    if (reg && this.opts.selfDeregister) {
      try {
        const request = { id: reg.id, timeout: REQUEST_TIMEOUT_MS };
        await this.consul.agent.service.deregister(request);
        this.log.info(`deregistered "${reg.id}" from consul`);
      } catch (err) {
        this.log.warn(`could not deregister "${reg.id}" from consul ${this.agentUrl}: ${errorText(err)}`);
      }
    }
    this.consul.destroy();
  }

  private filter(appId: string): EntryFilter {
    return { appId, daprPortMetaKey: this.opts.daprPortMetaKey, ...(this.self ? { self: this.self } : {}) };
  }

  private queryOptions(): Record<string, string> {
    const q = this.opts.query;
    const out: Record<string, string> = {};
    if (q.datacenter) out.dc = q.datacenter;
    if (q.filter) out.filter = q.filter;
    if (q.near) out.near = q.near;
    if (q.token) out.token = q.token;
    if (q.consistent) out.consistent = 'true';
    else if (q.stale) out.stale = 'true';
    return out;
  }

  private watchFor(appId: string): ServiceWatch {
    let sw = this.watches.get(appId);
    if (!sw) {
      const convert = (entries: unknown): Endpoint[] => endpointsFromEntries(entries, this.filter(appId)).endpoints;
      sw = new ServiceWatch(this.consul, { ...this.queryOptions(), wait: this.opts.query.wait }, appId, convert, this.log);
      this.watches.set(appId, sw);
      this.sweeper ??= setInterval(() => this.sweepIdle(), WATCH_IDLE_MS / 10).unref();
    }
    sw.lastUsed = Date.now();
    return sw;
  }

  private sweepIdle(): void {
    const now = Date.now();
    for (const [appId, sw] of this.watches) {
      if (sw.watchers.size > 0 || now - sw.lastUsed < WATCH_IDLE_MS) continue;
      sw.stop();
      this.watches.delete(appId);
    }
  }

  private agentError(err: unknown, what: string): DiscoveryError {
    const status = statusOf(err);
    const field =
      status === 401 || status === 403
        ? `${F}.client.token`
        : status === undefined
          ? `${F}.client.address`
          : `${F}.client`;
    return new DiscoveryError('INVALID_CONFIGURATION', `consul: ${what} at ${this.agentUrl} (${field}) failed: ${errorText(err)}`);
  }
}
