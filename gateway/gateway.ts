/**
 * The standalone gateway: listeners -> route table -> filter chain -> forward to a cluster.
 * Each config load builds a new immutable version (routes, chains, clusters, tracing). A request
 * keeps the version it started on, so a reload never drops or changes in-flight requests; a
 * retired version is disposed once its last request finished. A bad config on reload is refused
 * (issues returned and logged) and the running version stays.
 */
import type { Logger } from '../observability/logger';
import type { Exchange, HttpFilter } from '../proxy/contracts';
import { FilterChain } from '../proxy/filter-chain';
import { normalisePath } from '../proxy/path';
import { sendLocalReply } from '../proxy/local-reply';
import { UpstreamPools } from '../proxy/upstream/pools';
import { Errors } from '../errors/codes';
import { daprError, GrpcCode } from '../errors/dapr-error';
import type { ResourceIssue } from '../config/issues';
import { buildMiddleware } from '../filters/registry';
import { FilterStats } from '../filters/metrics/filter-stats';
import { createTracing, type Tracing } from '../filters/tracing/tracer';
import { createTelemetryFilter } from '../filters/telemetry/telemetry-filter';
import type { ConfigurationSpec } from '../config/schemas/configuration';
import { loadGatewayFile, formatGatewayIssues } from './load';
import type { GatewayConfig } from './schema';
import { RouteTable } from './route-table';
import { createCluster, type Cluster } from './clusters';
import { forward } from './forward';
import { listenerKey, startListener, type GatewayListener } from './listeners';

const noRoute = daprError(404, 'ERR_GATEWAY_NO_ROUTE', 'no route matched', GrpcCode.UNIMPLEMENTED);

interface Version {
  readonly id: number;
  readonly config: GatewayConfig;
  readonly tables: ReadonlyMap<string, RouteTable>;
  readonly chains: ReadonlyMap<string, FilterChain>;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly tracing: Tracing;
  inFlight: number;
  retired: boolean;
}

export type ReloadResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly issues: ResourceIssue[] };

export class Gateway {
  private current!: Version;
  private versions = 0;
  private readonly listeners = new Map<string, GatewayListener>();
  private readonly pools = new UpstreamPools();
  readonly stats = new FilterStats();

  private constructor(private readonly file: string, private readonly logger: Logger) {}

  /** Loads the file and starts every listener; rejects with the formatted issues when invalid. */
  static async start(file: string, logger: Logger): Promise<Gateway> {
    const g = new Gateway(file, logger);
    const loaded = await loadGatewayFile(file);
    if (!loaded.ok) throw new Error(formatGatewayIssues(loaded.issues));
    g.current = g.build(loaded.config);
    await g.syncListeners();
    return g;
  }

  /** Port of a listener by name (useful with port 0). */
  port(listener: string): number | undefined {
    for (const [key, l] of this.listeners) if (key.startsWith(`${listener}|`)) return l.port;
    return undefined;
  }

  get version(): number {
    return this.current.id;
  }

  /** Re-reads the file; on success new requests use the new version. */
  async reload(): Promise<ReloadResult> {
    const loaded = await loadGatewayFile(this.file);
    if (!loaded.ok) {
      this.logger.error(`gateway config rejected, keeping version ${this.current.id}:\n${formatGatewayIssues(loaded.issues)}`);
      return { ok: false, issues: loaded.issues };
    }
    const previous = this.current;
    this.current = this.build(loaded.config);
    try {
      await this.syncListeners();
    } catch (err) {
      const next = this.current;
      this.current = previous;
      this.retire(next);
      const issue: ResourceIssue = { code: 'INVALID', file: this.file, docIndex: 0, path: 'spec.listeners', message: `cannot start listener: ${(err as Error).message}` };
      this.logger.error(`gateway config rejected, keeping version ${previous.id}: ${issue.message}`);
      return { ok: false, issues: [issue] };
    }
    this.retire(previous);
    this.logger.info(`gateway config version ${this.current.id} active`, { file: this.file });
    return { ok: true, version: this.current.id };
  }

  async close(): Promise<void> {
    const grace = this.current.config.spec.drain_timeout;
    await Promise.all([...this.listeners.values()].map((l) => l.close(grace)));
    this.listeners.clear();
    this.current.retired = true;
    await this.dispose(this.current);
    await this.pools.close();
  }

  private build(config: GatewayConfig): Version {
    const id = ++this.versions;
    const tracing = createTracing(config.spec.tracing as ConfigurationSpec['tracing'], config.metadata.name, this.logger.child('tracing'));
    const clusters = new Map<string, Cluster>();
    for (const c of config.spec.clusters) clusters.set(c.name, createCluster(c, this.pools, config.metadata.name, this.logger));
    const tables = new Map<string, RouteTable>();
    const chains = new Map<string, FilterChain>();
    for (const l of config.spec.listeners) {
      tables.set(l.name, new RouteTable(l));
      const filters: HttpFilter[] = [createTelemetryFilter({ side: 'api', appId: config.metadata.name, tracing, stats: this.stats })];
      for (const f of l.http_filters) {
        const built = buildMiddleware({ type: f.type, version: 'v1', metadata: f.metadata }, { name: f.name, stats: this.stats, logger: this.logger.child(`filter.${f.name}`) });
        if (built.ok) filters.push(built.filter);
        else this.logger.error(`filter ${f.name} skipped: ${built.issues.map((i) => i.message).join('; ')}`); // load.ts already refused this
      }
      chains.set(l.name, new FilterChain(filters, { name: 'gateway-router', handle: (ex) => ex.route!.handler(ex) }, this.logger.child(`listener.${l.name}`)));
    }
    return { id, config, tables, chains, clusters, tracing, inFlight: 0, retired: false };
  }

  private async syncListeners(): Promise<void> {
    const wanted = new Map(this.current.config.spec.listeners.map((l) => [listenerKey(l), l]));
    const started: GatewayListener[] = [];
    try {
      for (const [key, l] of wanted) {
        const existing = this.listeners.get(key);
        if (existing) { existing.setCertificates(l); continue; }
        const listener = await startListener(l, (ex) => this.dispatch(l.name, ex));
        started.push(listener);
      }
    } catch (err) {
      await Promise.all(started.map((s) => s.close(0)));
      throw err;
    }
    for (const s of started) this.listeners.set(s.key, s);
    const grace = this.current.config.spec.drain_timeout;
    for (const [key, l] of this.listeners) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      void l.close(grace);
    }
  }

  private dispatch(listener: string, ex: Exchange): void {
    const v = this.current;
    v.inFlight++;
    ex.res.once('close', () => {
      v.inFlight--;
      if (v.retired && v.inFlight === 0) void this.dispose(v);
    });
    const norm = normalisePath(ex.path);
    if (!norm.ok) return sendLocalReply(ex, Errors.badPath(norm.reason));
    ex.path = norm.path;
    const route = v.tables.get(listener)?.match(ex.headers.host ?? (ex.headers[':authority'] as string | undefined), ex.path, ex.headers, ex.query);
    if (!route) return sendLocalReply(ex, noRoute);
    ex.route = { api: 'gateway', version: 'v1', pattern: route.name, params: {}, handler: (e) => forward(route, e, v.clusters) };
    v.chains.get(listener)!.run(ex);
  }

  private retire(v: Version): void {
    v.retired = true;
    if (v.inFlight === 0) void this.dispose(v);
  }

  private async dispose(v: Version): Promise<void> {
    await Promise.all([...v.clusters.values()].map((c) => c.close().catch(() => undefined)));
    await v.tracing.close().catch(() => undefined);
  }
}
