/**
 * The standalone gateway: listeners -> route table -> filter chain -> forward to a cluster.
 * Each config load builds a new immutable version (routes, chains, clusters, tracing). A request
 * keeps the version it started on, so a reload never drops or changes in-flight requests; a
 * retired version is disposed once its last request finished. A bad config on reload is refused
 * (issues returned and logged) and the running version stays; so is a config whose listener or
 * admin port cannot be bound. Statistics live on one registry for the whole process
 * (FilterStats + GatewayStats), served by the admin listener.
 */
import type { Logger } from '../observability/logger';
import type { Exchange } from '../proxy/contracts';
import { normalisePath } from '../proxy/path';
import { sendLocalReply } from '../proxy/local-reply';
import { UpstreamPools } from '../proxy/upstream/pools';
import { UpstreamSessions } from '../proxy/grpc/upstream-sessions';
import { Errors } from '../errors/codes';
import { daprError, GrpcCode } from '../errors/dapr-error';
import type { ResourceIssue } from '../config/issues';
import { FilterStats } from '../filters/metrics/filter-stats';
import { createTracing, type Tracing } from '../filters/tracing/tracer';
import { createTelemetryFilter } from '../filters/telemetry/telemetry-filter';
import type { ConfigurationSpec } from '../config/schemas/configuration';
import { loadGatewayFile, formatGatewayIssues } from './load';
import type { GatewayConfig } from './schema';
import { RouteTable } from './route-table';
import { createCluster, type Cluster } from './clusters';
import { forward, type ForwardContext, type ForwardNote } from './forward';
import { listenerKey, startListener, type GatewayListener } from './listeners';
import { ListenerChains } from './filters';
import { GatewayStats } from './stats';
import { adminKey, startAdmin, type AdminListener } from './admin';

const noRoute = daprError(404, 'ERR_GATEWAY_NO_ROUTE', 'no route matched', GrpcCode.UNIMPLEMENTED);

interface Version {
  readonly id: number;
  readonly config: GatewayConfig;
  readonly loadedAt: string;
  readonly tables: ReadonlyMap<string, RouteTable>;
  readonly chains: ReadonlyMap<string, ListenerChains>;
  readonly forwarding: ForwardContext;
  readonly tracing: Tracing;
  inFlight: number;
  retired: boolean;
}

/** Which field a failed listen belongs to. */
class StartError extends Error {
  constructor(readonly path: string, override readonly cause: unknown) {
    super((cause as Error).message);
  }
}

export type ReloadResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly issues: ResourceIssue[] };

export class Gateway {
  private current!: Version;
  private versions = 0;
  private readonly listeners = new Map<string, GatewayListener>();
  private admin: AdminListener | undefined;
  private draining = false;
  private closing: Promise<void> | undefined;
  private readonly pools = new UpstreamPools();
  private readonly sessions: UpstreamSessions;
  /** The shared filters' statistics (rate limit, bearer, dapr_http_server_* ...) and the gateway's own, on one registry. */
  readonly filterStats = new FilterStats();
  readonly stats = new GatewayStats(this.filterStats.registry);

  private constructor(private readonly file: string, private readonly logger: Logger) {
    this.sessions = new UpstreamSessions(logger.child('upstream'));
  }

  /** Loads the file and starts every listener; rejects with the formatted issues when invalid. */
  static async start(file: string, logger: Logger): Promise<Gateway> {
    const g = new Gateway(file, logger);
    const loaded = await loadGatewayFile(file);
    if (!loaded.ok) throw new Error(formatGatewayIssues(loaded.issues));
    g.current = g.build(loaded.config);
    try {
      await g.clustersReady();
      await g.syncListeners();
    } catch (err) {
      await g.close();
      throw new Error(formatGatewayIssues([g.startIssue(err)]));
    }
    g.stats.configLoaded(true, g.current.id);
    return g;
  }

  /** Port of a listener by name (useful with port 0). */
  port(listener: string): number | undefined {
    for (const l of this.listeners.values()) if (l.name === listener) return l.port;
    return undefined;
  }

  /** "name=port" of every listener, for start-up logs. */
  describeListeners(): string {
    return [...this.listeners.values()].map((l) => `${l.name}=${l.port}`).join(',');
  }

  /** Port of the admin listener, when configured. */
  get adminPort(): number | undefined {
    return this.admin?.port;
  }

  get version(): number {
    return this.current.id;
  }

  /** Re-reads the file; on success new requests use the new version. */
  async reload(): Promise<ReloadResult> {
    const loaded = await loadGatewayFile(this.file);
    if (!loaded.ok) {
      this.stats.configLoaded(false, this.current.id);
      this.logger.error(`gateway config rejected, keeping version ${this.current.id}:\n${formatGatewayIssues(loaded.issues)}`);
      return { ok: false, issues: loaded.issues };
    }
    const previous = this.current;
    this.current = this.build(loaded.config);
    try {
      await this.clustersReady();
      await this.syncListeners(previous.config);
    } catch (err) {
      const next = this.current;
      this.current = previous;
      this.retire(next); // syncListeners already put the previous listener configs back
      this.stats.configLoaded(false, previous.id);
      const issue = this.startIssue(err);
      this.logger.error(`gateway config rejected, keeping version ${previous.id}:\n${formatGatewayIssues([issue])}`);
      return { ok: false, issues: [issue] };
    }
    this.retire(previous);
    this.stats.configLoaded(true, this.current.id);
    this.logger.info(`gateway config version ${this.current.id} active`, { file: this.file });
    return { ok: true, version: this.current.id };
  }

  /** Drains and stops every listener, then the admin listener; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.draining = true;
    const grace = this.current.config.spec.drain_timeout;
    await Promise.all([...this.listeners.values()].map((l) => l.close(grace)));
    this.listeners.clear();
    await this.admin?.close();
    this.admin = undefined;
    this.current.retired = true;
    await this.dispose(this.current);
    this.sessions.close();
    await this.pools.close();
  }

  private build(config: GatewayConfig): Version {
    const id = ++this.versions;
    const tracing = createTracing(config.spec.tracing as ConfigurationSpec['tracing'], config.metadata.name, this.logger.child('tracing'));
    const clusters = new Map<string, Cluster>();
    for (const c of config.spec.clusters) clusters.set(c.name, createCluster(c, this.pools, config.metadata.name, this.logger));
    const tables = new Map<string, RouteTable>();
    const chains = new Map<string, ListenerChains>();
    const telemetry = createTelemetryFilter({ side: 'api', appId: config.metadata.name, tracing, stats: this.filterStats });
    const deps = { filterStats: this.filterStats, stats: this.stats, logger: this.logger };
    for (const l of config.spec.listeners) {
      tables.set(l.name, new RouteTable(l));
      chains.set(l.name, new ListenerChains(l, telemetry, { name: 'gateway-router', handle: (ex) => ex.route!.handler(ex) }, deps));
    }
    const forwarding: ForwardContext = { clusters, sessions: this.sessions, stats: this.stats, logger: this.logger.child('forward') };
    return { id, config, loadedAt: new Date().toISOString(), tables, chains, forwarding, tracing, inFlight: 0, retired: false };
  }

  /** Waits for the current version's clusters; a resolver that cannot start refuses the config. */
  private async clustersReady(): Promise<void> {
    const { config, forwarding } = this.current;
    await Promise.all(config.spec.clusters.map((c, i) => forwarding.clusters.get(c.name)?.ready().catch((e: unknown) => {
      throw new StartError(`spec.clusters[${i}].discovery.configuration`, e);
    })));
  }

  /**
   * Makes the running listeners match the current config: a listener on the same address and
   * port is reconfigured in place (new connections get the new protocol and certificates), new
   * ones are started, removed ones drain. `previous` is what to restore when a start fails.
   */
  private async syncListeners(previous?: GatewayConfig): Promise<void> {
    const spec = this.current.config.spec;
    const wanted = new Map(spec.listeners.map((l) => [listenerKey(l), l]));
    const started: GatewayListener[] = [];
    const reconfigured: GatewayListener[] = [];
    try {
      for (const [key, l] of wanted) {
        const existing = this.listeners.get(key);
        const index = spec.listeners.indexOf(l);
        if (existing) {
          try {
            existing.configure(l);
          } catch (e) {
            throw new StartError(`spec.listeners[${index}].tls`, e);
          }
          reconfigured.push(existing);
          continue;
        }
        started.push(await startListener(l, (ex) => this.dispatch(ex), this.logger.child(`listener.${l.name}`)).catch((e: unknown) => {
          throw new StartError(`spec.listeners[${index}].port`, e);
        }));
      }
      await this.syncAdmin().catch((e: unknown) => { throw new StartError('spec.admin.port', e); });
    } catch (err) {
      await Promise.all(started.map((s) => s.close(0)));
      if (previous) {
        const old = new Map(previous.spec.listeners.map((l) => [listenerKey(l), l]));
        for (const r of reconfigured) { const o = old.get(r.key); if (o) r.configure(o); }
      }
      throw err;
    }
    for (const s of started) this.listeners.set(s.key, s);
    const grace = spec.drain_timeout;
    for (const [key, l] of this.listeners) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      void l.close(grace);
    }
  }

  /** A listener (or admin) start failure as an issue naming the field. */
  private startIssue(err: unknown): ResourceIssue {
    const at = err instanceof StartError ? err.path : 'spec.listeners';
    const cause = err instanceof StartError ? err.cause : err;
    return { code: 'INVALID', file: this.file, docIndex: 0, path: at, message: `cannot listen: ${(cause as Error).message}` };
  }

  private async syncAdmin(): Promise<void> {
    const cfg = this.current.config.spec.admin;
    if (this.admin && (!cfg || this.admin.key !== adminKey(cfg))) {
      await this.admin.close();
      this.admin = undefined;
    }
    if (cfg && !this.admin) {
      this.admin = await startAdmin(cfg, {
        registry: this.filterStats.registry,
        draining: () => this.draining,
        dump: () => ({ version: this.current.id, file: this.file, loadedAt: this.current.loadedAt, config: this.current.config }),
      });
    }
  }

  private dispatch(ex: Exchange): void {
    const v = this.current;
    const listener = ex.listener;
    v.inFlight++;
    const note: ForwardNote = { cluster: '' };
    let routeName = 'none';
    ex.res.once('close', () => {
      v.inFlight--;
      this.record(ex, listener, routeName, note.cluster);
      if (v.retired && v.inFlight === 0) void this.dispose(v);
    });
    const norm = normalisePath(ex.path);
    if (!norm.ok) return sendLocalReply(ex, Errors.badPath(norm.reason));
    ex.path = norm.path;
    const route = v.tables.get(listener)?.match(ex.headers.host ?? (ex.headers[':authority'] as string | undefined), ex.path, ex.headers, ex.query);
    if (!route) return sendLocalReply(ex, noRoute);
    routeName = route.name;
    ex.route = { api: 'gateway', version: 'v1', pattern: route.name, params: {}, handler: (e) => forward(route, e, v.forwarding, note) };
    v.chains.get(listener)!.chainFor(route.config).run(ex);
  }

  private record(ex: Exchange, listener: string, route: string, cluster: string): void {
    let grpcStatus = '';
    if (ex.protocol === 'grpc') {
      const stream = (ex.res as { stream?: { sentTrailers?: Record<string, unknown>; sentHeaders?: Record<string, unknown> } }).stream;
      const v = stream?.sentTrailers?.['grpc-status'] ?? stream?.sentHeaders?.['grpc-status'];
      grpcStatus = v === undefined ? 'reset' : String(v);
    }
    this.stats.request(listener, route, cluster, ex.res.statusCode, grpcStatus);
  }

  private retire(v: Version): void {
    v.retired = true;
    if (v.inFlight === 0) void this.dispose(v);
  }

  private async dispose(v: Version): Promise<void> {
    await Promise.all([...v.forwarding.clusters.values()].map((c) => c.close().catch(() => undefined)));
    await v.tracing.close().catch(() => undefined);
  }
}
