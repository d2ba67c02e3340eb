/**
 * Builds the metadata API's view of the runtime (GET /v1.0/metadata and gRPC GetMetadata) from the
 * live parts: components, subscriptions, HTTP endpoints, app connection and extended attributes.
 */
import type { MetadataSnapshot } from '../api/runtime-routes';
import type { ConfigurationResource } from '../config/schemas/configuration';
import type { ComponentHost } from './component-host';
import type { SidecarOptions } from './options';
import { RUNTIME_VERSION } from './version';

export interface MetadataSources {
  readonly opts: SidecarOptions;
  readonly configuration: ConfigurationResource | undefined;
  readonly components: ComponentHost;
  readonly extended: ReadonlyMap<string, string>;
  readonly httpEndpointNames: () => Iterable<string>;
  readonly subscriptions: () => MetadataSnapshot['subscriptions'];
  /** The actor runtime's view (hosted types with active counts, runtime status). */
  readonly actors?: () => Pick<MetadataSnapshot, 'actors' | 'actorRuntime'>;
}

export function metadataSnapshot(s: MetadataSources): MetadataSnapshot {
  const { opts } = s;
  const statuses = s.components.statuses();
  const actors = s.actors?.();
  return {
    id: opts.appId,
    runtimeVersion: RUNTIME_VERSION,
    enabledFeatures: (s.configuration?.spec?.features ?? []).filter((f) => f.enabled).map((f) => f.name),
    actors: actors?.actors ?? [],
    ...(actors?.actorRuntime ? { actorRuntime: actors.actorRuntime } : {}),
    components: statuses.filter((c) => c.instance || !c.error).map((c) => ({ name: c.name, type: c.type, version: c.version, capabilities: [...(c.instance?.features() ?? [])] })),
    extended: { ...Object.fromEntries(s.extended), daprRuntimeVersion: RUNTIME_VERSION },
    subscriptions: s.subscriptions(),
    httpEndpoints: [...s.httpEndpointNames()].map((name) => ({ name })),
    appConnectionProperties: {
      ...(opts.appPort !== undefined ? { port: opts.appPort } : {}),
      protocol: opts.appProtocol,
      channelAddress: opts.appChannelAddress,
      ...(opts.appMaxConcurrency > 0 ? { maxConcurrency: opts.appMaxConcurrency } : {}),
      ...(opts.enableAppHealthCheck
        ? { health: { healthCheckPath: opts.appHealthCheckPath, healthProbeInterval: `${opts.appHealthProbeInterval}s`, healthProbeTimeout: `${opts.appHealthProbeTimeout}ms`, healthThreshold: opts.appHealthThreshold } }
        : {}),
    },
    failedComponents: statuses.filter((c) => c.error).map((c) => ({ name: c.name, type: c.type, error: c.error! })),
  };
}
