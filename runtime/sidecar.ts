/**
 * Wires one sidecar: resources -> name resolution -> components -> HTTP endpoints -> API listeners
 * (HTTP, gRPC, internal) -> self-registration -> app discovery, in daprd's start-up order.
 * The API answers at once; the app is waited for in the background.
 */
import type { Logger } from '../observability/logger';
import type { SidecarOptions } from './options';
import { stableInternalPort } from './options';
import { ensureDefaultResources } from './default-resources';
import { ComponentHost } from './component-host';
import { allDrivers } from '../components/all-drivers';
import { ResourceWatcher } from '../config/watcher';
import path from 'node:path';
import { formatIssue } from '../config/issues';
import type { ConfigurationResource } from '../config/schemas/configuration';
import type { ComponentResource } from '../config/schemas/component';
import type { HttpEndpointResource } from '../config/schemas/http-endpoint';
import type { Loaded } from '../config/schemas/common';
import type { ResourceChange } from '../config/reload';
import { createResolver, DEFAULT_RESOLVER, KUBERNETES_DEFAULT_RESOLVER } from '../discovery/registry';
import type { Resolver } from '../discovery/contract';
import { UpstreamPools } from '../proxy/upstream/pools';
import { createHttpListener, type HttpListener } from '../proxy/http-listener';
import { FilterChain } from '../proxy/filter-chain';
import type { HttpFilter } from '../proxy/contracts';
import { ApiRouter } from '../api/router';
import { createDaprHttpDispatch, resolveRoute, routeTerminal, type DaprHttpApiDeps } from '../api/dapr-http-api';
import { runtimeRoutes, type MetadataSnapshot, type RuntimeView } from '../api/runtime-routes';
import { DefaultInvocationService, type HttpEndpointTarget } from '../api/invoke/invocation-service';
import { createHttpInvokeHandler } from '../api/invoke/http-invoke';
import { buildChains } from './chains';
import { createApiLoggingFilter } from '../filters/api-logging/api-logging-filter';
import { acceptOnExtraAddresses } from '../proxy/extra-addresses';
import type { AppChannel } from './app-channel/contract';
import { createAppChannel } from './app-channel/create-app-channel';
import { createInternalListener, type InternalListener } from './internal-listener';
import { appTerminal, createInternalHttpDispatch } from './internal-dispatch';
import { AppHealth } from './app-health';
import { readHttpAppConfig, waitForAppPort } from './app-discovery';
import { RUNTIME_VERSION } from './version';
import { metadataSnapshot } from './metadata-snapshot';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { createUpgradeHandler } from './upgrade-dispatch';
import { startGrpcApi, type GrpcApi } from './grpc-api';
import { buildingBlockHeads } from './building-block-routes';
import { createBlocksRuntime } from './blocks';
import { createActorsBlock } from './actors';
import { createSecretResolver } from './secrets/resolver';
import { buildingBlockOf } from '../components/contract';
import type { SecretStore } from '../components/secretstores/contract';
import type { TransparentCapture, TransparentCaptureOptions } from '../proxy/capture/transparent';
import { dispatchInvoke, grpcServerInvoke, inboundChainDispatch, inboundH2Dispatch } from '../proxy/capture/capture-adapters';
import { isDaprError } from '../errors/dapr-error';
import { createPubsubRuntime } from './pubsub';
import type { GrpcAppChannel } from './app-channel/grpc-app-channel';
import type { PubSub } from '../components/pubsub/contract';
import type { StateStore } from '../components/state/contract';
import type { SubscriptionResource } from '../config/schemas/subscription';
import type { Mtls } from './mtls';

export interface SidecarHandle {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly internalPort: number;
  readonly metricsPort: number;
  /** Resolves once components are loaded and the API listens (healthz 204). */
  readonly ready: Promise<void>;
  stop(reason: string): Promise<void>;
  readonly closed: Promise<void>;
}

export async function startSidecar(opts: SidecarOptions, logger: Logger): Promise<SidecarHandle> {
  const log = logger;
  log.info(`starting outrigger sidecar ${RUNTIME_VERSION}`, { namespace: opts.namespace, mode: opts.mode });

  // 1. Configuration and resources, watched for changes.
  const resourcesPaths = opts.resourcesPaths.length > 0 ? opts.resourcesPaths : [await ensureDefaultResources(opts.dataDir)];
  if (opts.resourcesPaths.length === 0) log.info('no --resources-path given: loading the embedded defaults', { folder: resourcesPaths[0] });
  const watcher = new ResourceWatcher({ paths: resourcesPaths, ...(opts.config ? { configFile: opts.config } : {}), appId: opts.appId, namespace: opts.namespace, env: resourceEnv(opts), logger: log.child('config') });
  const resources = await watcher.start();
  for (const i of resources.issues) log.error(`resource skipped: ${formatIssue(i)}`);
  const configuration: ConfigurationResource | undefined = opts.config ? resources.configurations.find((c) => c.source.file === opts.config || path.resolve(c.source.file) === path.resolve(opts.config!)) : undefined;
  if (opts.config && !configuration) log.error(`no valid Configuration document in ${opts.config}; using defaults`);
  if (configuration) log.info(`configuration loaded: ${configuration.metadata.name}`, { file: opts.config });

  // 2. Name resolution.
  const nr = configuration?.spec?.nameResolution;
  let resolver: Resolver | undefined;
  const created = createResolver(nr?.component, nr?.configuration as Record<string, unknown> | undefined, log.child('nameresolution'), opts.mode === 'kubernetes' ? KUBERNETES_DEFAULT_RESOLVER : DEFAULT_RESOLVER);
  if (created.ok) resolver = created.resolver;
  else log.error(`name resolution unavailable: ${created.message}`);

  // 3. Components.
  const components: ComponentHost = new ComponentHost({
    appId: opts.appId, namespace: opts.namespace, dataDir: opts.dataDir, logger: log.child('components'),
    drivers: allDrivers, passive: new Set(['middleware', 'nameresolution']),
    resolveSecret: createSecretResolver((name) => components.instancesOf<SecretStore>('secretstores').get(name)),
  });
  // Secret stores first: the other components' secretKeyRef values are read through them.
  const isSecretStore = (c: Loaded<ComponentResource>): boolean => buildingBlockOf(c.spec.type) === 'secretstores';
  await Promise.all(resources.components.filter(isSecretStore).map((c) => components.load(c)));
  await Promise.all(resources.components.filter((c) => !isSecretStore(c)).map((c) => components.load(c)));

  // 4. HTTP endpoints and declarative subscriptions.
  const subscriptionsByName = new Map(resources.subscriptions.map((r) => [r.metadata.name, r] as const));
  const httpEndpoints = new Map<string, HttpEndpointTarget>();
  for (const e of resources.httpEndpoints) httpEndpoints.set(e.metadata.name, httpEndpointTarget(e));

  // 5. mTLS identity, upstreams, app channel, invocation.
  const trustDomain = configuration?.spec?.accessControl?.trustDomain ?? 'public';
  // Loaded only when enabled: X.509 tooling is a large share of start-up time and memory.
  let mtls: Mtls | undefined;
  if (opts.enableMtls) {
    try {
      mtls = await (await import('./mtls.js')).startMtls(opts, trustDomain, { workloadCertTtlMs: configuration?.spec?.mtls?.workloadCertTTL, allowedClockSkewMs: configuration?.spec?.mtls?.allowedClockSkew }, log.child('mtls'));
    } catch (err) {
      // Nothing may keep running when the sidecar cannot get its identity.
      await Promise.all([watcher.close(), components.closeAll(), resolver?.close()].map((p) => p?.catch(() => undefined)));
      throw err;
    }
  }
  const pools = new UpstreamPools(mtls ? { tls: (peer) => mtls.clientOptions(peer) } : {});
  const appChannel: AppChannel | undefined = opts.appPort !== undefined ? createAppChannel(opts) : undefined;
  const appHealth: AppHealth | undefined = appChannel && opts.enableAppHealthCheck
    ? new AppHealth({ baseUrl: appOrigin(opts), path: opts.appHealthCheckPath, intervalMs: opts.appHealthProbeInterval * 1000, timeoutMs: opts.appHealthProbeTimeout, threshold: opts.appHealthThreshold, logger: log.child('apphealth') })
    : undefined;
  const appHealthy = (): boolean => !appHealth || appHealth.isHealthy();
  let metrics: MetricsServer | undefined;
  if (opts.enableMetrics) metrics = await startMetricsServer({ host: opts.listenAddresses[0] ?? '127.0.0.1', port: opts.metricsPort, appId: opts.appId, components });
  let dispatchDeps: DaprHttpApiDeps | undefined;
  const chains = buildChains({
    appId: opts.appId, namespace: opts.namespace, logger: log.child('filters'), configuration,
    resiliencies: resources.resiliencies, middleware: (name) => components.resolvedOf(name),
    metrics: metrics?.registry, apiToken: opts.apiToken, appHealthy: () => appHealth?.isHealthy(),
    appProtocol: opts.appProtocol, reroute: (ex) => { if (dispatchDeps) resolveRoute(ex, dispatchDeps); },
  });
  components.useCallFilters(chains.componentCalls);
  const invocation = new DefaultInvocationService({
    resilience: () => chains.invoke,
    appId: opts.appId, namespace: opts.namespace, logger: log.child('invoke'),
    resolver: () => resolver, httpEndpoints: () => httpEndpoints, pools,
    appChannel: () => appChannel, internalScheme: () => (mtls ? 'https' : 'http'),
  });

  // 6. Filter chains and routes.
  const apiFilters: HttpFilter[] = [];
  if (opts.enableApiLogging) apiFilters.push(createApiLoggingFilter(log.child('api')));
  const apiChain = new FilterChain([...apiFilters, ...chains.apiHttpFilters], routeTerminal, log.child('http'));
  const inboundChain = new FilterChain(chains.inboundFilters, appTerminal(() => appChannel, appHealthy, opts.appId), log.child('internal'));

  const extended = new Map<string, string>();
  let shuttingDown = false;
  let listening = false;
  let stopFn: (reason: string) => Promise<void> = async () => undefined;
  const metadata = (): MetadataSnapshot => metadataSnapshot({
    opts, configuration, components, extended,
    httpEndpointNames: () => httpEndpoints.keys(),
    subscriptions: () => pubsub.subscriptions(),
    actors: () => actors.snapshot(),
  });
  const view: RuntimeView = {
    appId: opts.appId,
    maxBodySize: opts.maxBodySize,
    notReady: () => {
      const pending: string[] = [];
      if (!listening) pending.push('api');
      if (shuttingDown) pending.push('shutting down');
      for (const f of components.failures()) pending.push(`component ${f.name}: ${f.error}`);
      return pending.length ? pending : undefined;
    },
    outboundReady: () => listening && !shuttingDown,
    metadata,
    setExtended: (k, v) => { extended.set(k, v); },
    shutdown: (reason) => { void stopFn(reason); },
  };
  const pubsub = createPubsubRuntime({
    appId: opts.appId, namespace: opts.namespace, logger: log.child('pubsub'), maxBodySize: opts.maxBodySize,
    pubsubs: () => components.instancesOf<PubSub>('pubsub'), componentOf: (n) => components.resolvedOf(n),
    appChannel, appProtocol: opts.appProtocol,
    ...(appChannel && (appChannel.protocol === 'grpc' || appChannel.protocol === 'grpcs') ? { grpcApp: appChannel as GrpcAppChannel } : {}),
    ...(appHealth ? { appHealth } : {}),
    declarative: () => [...subscriptionsByName.values()],
    stateStores: () => components.instancesOf<StateStore>('state'),
    // Deliveries retry under the Resiliency policy of the pub/sub component (inbound), if any.
    retryPolicy: (pubsubName) => {
      const r = chains.resiliency.retryFor({ kind: 'component', name: pubsubName, direction: 'inbound', block: 'pubsub' });
      return r ? { maxRetries: r.maxRetries, intervalMs: r.delay(1), delayMs: (n) => r.delay(n) } : undefined;
    },
  });
  const router = new ApiRouter(chains.apiFilter);
  router.addAll(runtimeRoutes(view));
  const heads = buildingBlockHeads({ appId: opts.appId, namespace: opts.namespace, logger: log, maxBodySize: opts.maxBodySize, components, outbox: () => pubsub.outbox });
  router.addAll(heads.routes);
  router.addAll(pubsub.routes());
  const blocks = createBlocksRuntime({
    appId: opts.appId, namespace: opts.namespace, logger: log, maxBodySize: opts.maxBodySize, components,
    ...(configuration ? { configuration } : {}),
    appChannel, appProtocol: opts.appProtocol,
    ...(appHealth ? { appHealth } : {}),
  });
  router.addAll(blocks.routes);
  const actors = createActorsBlock({ appId: opts.appId, logger: log.child('actors'), maxBodySize: opts.maxBodySize, components, appChannel: () => appChannel, resiliency: () => chains.resiliency });
  router.addAll(actors.routes);
  if (!appChannel) void actors.configure(undefined);
  const invokeHandler = createHttpInvokeHandler({ appId: opts.appId, namespace: opts.namespace, maxBodySize: opts.maxBodySize, invocation, pools, appChannel: () => appChannel, appHealthy, resilience: () => chains.invoke });
  dispatchDeps = { router: () => router, chain: () => apiChain, invokeHandler, invokeAllowed: () => chains.apiFilter('invoke', 'v1', 'http') };
  const dispatch = createDaprHttpDispatch(dispatchDeps);

  // 7. Listeners.
  const host = opts.listenAddresses[0] ?? '127.0.0.1';
  const upgrade = createUpgradeHandler({ appId: opts.appId, namespace: opts.namespace, invocation, pools, appChannelOrigin: appChannel ? appOrigin(opts) : undefined, apiToken: opts.apiToken, appApiToken: opts.appApiToken });
  const httpApi: HttpListener = createHttpListener({ name: 'dapr-http', host, port: opts.daprHttpPort, maxHeaderSize: opts.readBufferSize, logger: log, onExchange: dispatch, onUpgrade: upgrade.api });
  const internal: InternalListener = createInternalListener({
    host: '0.0.0.0', port: opts.daprInternalGrpcPort ?? stableInternalPort(opts.appId), maxHeaderSize: opts.readBufferSize, logger: log,
    onHttp1: createInternalHttpDispatch({ appId: opts.appId, namespace: opts.namespace, chain: () => inboundChain, ...(mtls ? { peerOf: mtls.peerOf } : {}) }),
    ...(mtls ? { tls: mtls.identity.serverTlsOptions() } : {}),
    onUpgrade: upgrade.internal,
    onHttp2: (req, res) => grpcApi?.internal(req, res),
  });
  let grpcApi: GrpcApi | undefined;
  const httpPort = await httpApi.listen();
  const internalPort = await internal.listen();
  grpcApi = await startGrpcApi({ opts, host, logger: log.child('grpc'), filters: [...apiFilters, ...chains.grpcFilters], inboundFilters: chains.inboundFilters, invocation, metadata, setExtended: view.setExtended, shutdown: view.shutdown, services: () => [...heads.grpcServices, ...pubsub.grpcServices(), ...blocks.grpcServices, ...actors.grpcServices], ...(mtls ? { mtls } : {}) });
  mtls?.onChange(() => {
    internal.setSecureContext(mtls.identity.secureContextOptions());
    pools.rotateTls();
    log.info('mTLS credentials updated for new connections');
  });
  // --dapr-listen-addresses: the API ports also accept on every further address.
  const extraAddresses = opts.listenAddresses.slice(1);
  const extras = extraAddresses.length > 0
    ? await Promise.all([acceptOnExtraAddresses(httpApi.server, extraAddresses, httpPort), acceptOnExtraAddresses(grpcApi.server, extraAddresses, grpcApi.port)])
    : [];
  // Transparent mode: captured outbound HTTP goes through invocation, inbound through the inbound chain.
  const capture = opts.outboundCapturePort !== undefined || opts.inboundCapturePort !== undefined
    ? await startCapture({
        outboundPort: opts.outboundCapturePort ?? 0,
        ...(opts.inboundCapturePort !== undefined ? { inboundPort: opts.inboundCapturePort } : {}),
        logger: log, pools, maxHeaderSize: opts.readBufferSize,
        invoke: dispatchInvoke(dispatch, opts.apiToken),
        invokeGrpc: grpcServerInvoke(grpcApi.server, opts.apiToken),
        isMeshApp: async (id) => !isDaprError(await invocation.resolveTarget(id)),
        appHttpPorts: opts.appPort !== undefined ? [opts.appPort] : [],
        onInboundHttp: inboundChainDispatch(opts.appId, () => inboundChain),
        onInboundH2: inboundH2Dispatch(opts, chains.inboundFilters, log, appHealthy),
      })
    : undefined;
  if (capture) log.info(capture.summary);
  listening = true;
  await pubsub.start();
  const where = (port: number): string => opts.listenAddresses.map((a) => `${a.includes(':') ? `[${a}]` : a}:${port}`).join(', ');
  log.info(`dapr HTTP API listening on ${where(httpPort)}`);
  log.info(`dapr gRPC API listening on ${where(grpcApi.port)}`);
  log.info(`internal sidecar-to-sidecar listener on 0.0.0.0:${internalPort}${mtls ? ' (mTLS)' : ''}`);
  if (metrics) log.info(`metrics on http://${host}:${metrics.port}/metrics`);

  // 8. Announce ourselves.
  if (resolver) {
    try {
      await resolver.init({ appId: opts.appId, namespace: opts.namespace, host: opts.hostAddress, internalPort, httpPort, grpcPort: grpcApi.port, ...(opts.appPort !== undefined ? { appPort: opts.appPort } : {}) });
      log.info(`name resolution: ${resolver.name}`);
    } catch (err) {
      log.error(`name resolution ${resolver.name} failed to start: ${(err as Error).message}`);
    }
  }

  // 9. The app, in the background.
  if (appChannel) {
    void (async () => {
      if (!(await waitForAppPort(appChannel, () => shuttingDown, log))) return;
      log.info(`app is listening on port ${opts.appPort}`);
      appHealth?.start();
      if (opts.appProtocol === 'http' || opts.appProtocol === 'https') {
        const cfg = await readHttpAppConfig(appChannel, opts.appId);
        if (cfg.subscriptions.length) log.info(`app declared ${cfg.subscriptions.length} subscription(s)`);
        await pubsub.setProgrammaticSubscriptions(cfg.subscriptions);
        await actors.configure(cfg.actors);
      } else if (opts.appProtocol === 'grpc' || opts.appProtocol === 'grpcs') {
        await pubsub.discoverAppSubscriptions();
      }
      if (opts.appProtocol !== 'http' && opts.appProtocol !== 'https') await actors.configure(undefined); // actors need an HTTP app
      if (!shuttingDown) await blocks.start().catch((err: unknown) => log.error('input bindings failed to start', { error: (err as Error).message }));
    })();
  }

  // 10. Hot reload: an edited or added file takes effect; a broken edit keeps the old resource.
  watcher.on('issue', (i) => log.error(`resource change rejected: ${formatIssue(i)}`));
  watcher.on('change', (change) => {
    void applyChange(change).catch((err: unknown) => log.error('applying a resource change failed', { error: (err as Error).message }));
  });
  const applyChange = async (change: ResourceChange): Promise<void> => {
    switch (change.kind) {
      case 'Component':
        for (const r of change.removed) await components.remove(r.metadata.name);
        for (const r of [...change.added, ...change.updated]) await components.load(r as Loaded<ComponentResource>);
        await pubsub.onComponentsChange();
        await blocks.reconcile();
        break;
      case 'Subscription':
        for (const r of change.removed) subscriptionsByName.delete(r.metadata.name);
        for (const r of [...change.added, ...change.updated]) subscriptionsByName.set(r.metadata.name, r as Loaded<SubscriptionResource>);
        await pubsub.onDeclarativeChange();
        break;
      case 'HTTPEndpoint':
        for (const r of change.removed) httpEndpoints.delete(r.metadata.name);
        for (const r of [...change.added, ...change.updated]) httpEndpoints.set(r.metadata.name, httpEndpointTarget(r as Loaded<HttpEndpointResource>));
        break;
      default:
        log.info(`${change.kind} changed`, { added: change.added.length, updated: change.updated.length, removed: change.removed.length });
    }
    log.info(`reloaded ${change.kind} resources`, { added: names(change.added), updated: names(change.updated), removed: names(change.removed) });
  };

  const failures = components.failures();
  if (failures.length) log.warn(`${failures.length} component(s) failed to initialise; healthz reports them`, { components: failures.map((f) => f.name).join(',') });
  log.info(`outrigger sidecar ready`, { components: components.statuses().length });

  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => { closedResolve = r; });
  let stopping: Promise<void> | undefined;
  stopFn = (reason: string): Promise<void> => {
    if (stopping) return stopping;
    shuttingDown = true;
    log.info(`shutting down: ${reason}`, { grace_seconds: opts.gracefulShutdownSeconds });
    const grace = opts.gracefulShutdownSeconds * 1000;
    stopping = (async () => {
      appHealth?.stop();
      await watcher.close().catch(() => undefined);
      await actors.stop(grace).catch(() => undefined);
      await pubsub.stop(grace);
      await blocks.stop().catch(() => undefined);
      await resolver?.close().catch(() => undefined);
      await Promise.all([capture?.close(grace), ...extras.map((e) => e.close()), httpApi.close(grace), internal.close(grace), grpcApi?.close(grace), metrics?.close()]);
      await Promise.all([pools.close(), appChannel?.close(), components.closeAll(), chains.close(), mtls?.stop()]);
      log.info('sidecar stopped');
      closedResolve();
    })();
    return stopping;
  };

  return {
    httpPort, grpcPort: grpcApi.port, internalPort, metricsPort: metrics?.port ?? 0,
    ready: Promise.resolve(),
    stop: (reason) => stopFn(reason),
    closed,
  };
}

/** Transparent capture, loaded only when a capture port is given. */
async function startCapture(o: TransparentCaptureOptions): Promise<TransparentCapture> {
  return (await import('../proxy/capture/transparent.js')).startTransparentCapture(o);
}

/**
 * Variables `${VAR}` in resources may use besides the process environment: what daprd exposes to
 * components (Consul registrations use them). Ports picked by the OS (0) are not known yet.
 */
function resourceEnv(opts: SidecarOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { APP_ID: opts.appId, NAMESPACE: opts.namespace, HOST_ADDRESS: opts.hostAddress, ...process.env };
  const set = (name: string, port: number | undefined): void => { if (port && env[name] === undefined) env[name] = String(port); };
  set('DAPR_HTTP_PORT', opts.daprHttpPort);
  set('DAPR_GRPC_PORT', opts.daprGrpcPort);
  set('DAPR_PORT', opts.daprInternalGrpcPort ?? stableInternalPort(opts.appId));
  set('APP_PORT', opts.appPort);
  return env;
}

function httpEndpointTarget(e: HttpEndpointResource): HttpEndpointTarget {
  const headers: Record<string, string> = {};
  for (const h of e.spec.headers ?? []) if (typeof h.value === 'string') headers[h.name] = h.value;
  return { baseUrl: e.spec.baseUrl, headers };
}

function names(list: readonly { metadata: { name: string } }[]): string {
  return list.map((r) => r.metadata.name).join(',') || '-';
}

function appOrigin(opts: SidecarOptions): string {
  const h = opts.appChannelAddress.includes(':') ? `[${opts.appChannelAddress}]` : opts.appChannelAddress;
  return `${opts.appProtocol === 'https' ? 'https' : 'http'}://${h}:${opts.appPort}`;
}


