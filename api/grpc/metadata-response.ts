/** MetadataView (the HTTP JSON shape) -> dapr.proto.runtime.v1.GetMetadataResponse init shape. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  ActorRuntime_ActorRuntimeStatus,
  PubsubSubscriptionType,
  type GetMetadataResponseSchema,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import type { MetadataView } from './metadata-view';

function subscriptionType(t: string | undefined): PubsubSubscriptionType {
  switch (t) {
    case 'DECLARATIVE': return PubsubSubscriptionType.DECLARATIVE;
    case 'PROGRAMMATIC': return PubsubSubscriptionType.PROGRAMMATIC;
    case 'STREAMING': return PubsubSubscriptionType.STREAMING;
    default: return PubsubSubscriptionType.UNKNOWN;
  }
}

export function toGetMetadataResponse(v: MetadataView): MessageInitShape<typeof GetMetadataResponseSchema> {
  const app = v.appConnectionProperties;
  return {
    id: v.id,
    runtimeVersion: v.runtimeVersion,
    enabledFeatures: [...(v.enabledFeatures ?? [])],
    activeActorsCount: (v.actors ?? []).map((a) => ({ type: a.type, count: a.count })),
    registeredComponents: (v.components ?? []).map((c) => ({
      name: c.name, type: c.type, version: c.version, capabilities: [...(c.capabilities ?? [])],
    })),
    extendedMetadata: { ...(v.extended ?? {}) },
    subscriptions: (v.subscriptions ?? []).map((s) => ({
      pubsubName: s.pubsubname,
      topic: s.topic,
      metadata: { ...(s.metadata ?? {}) },
      rules: s.rules ? { rules: s.rules.map((r) => ({ match: r.match, path: r.path })) } : undefined,
      deadLetterTopic: s.deadLetterTopic ?? '',
      type: subscriptionType(s.type),
    })),
    httpEndpoints: (v.httpEndpoints ?? []).map((e) => ({ name: e.name })),
    appConnectionProperties: app && {
      port: app.port ?? 0,
      protocol: app.protocol ?? '',
      channelAddress: app.channelAddress ?? '',
      maxConcurrency: app.maxConcurrency ?? 0,
      health: app.health && {
        healthCheckPath: app.health.healthCheckPath ?? '',
        healthProbeInterval: app.health.healthProbeInterval ?? '',
        healthProbeTimeout: app.health.healthProbeTimeout ?? '',
        healthThreshold: app.health.healthThreshold ?? 0,
      },
    },
    actorRuntime: v.actorRuntime && {
      runtimeStatus: ActorRuntime_ActorRuntimeStatus[v.actorRuntime.runtimeStatus],
      activeActors: (v.actorRuntime.activeActors ?? []).map((a) => ({ type: a.type, count: a.count })),
      hostReady: v.actorRuntime.hostReady,
      placement: v.actorRuntime.placement,
    },
    scheduler: v.scheduler && { connectedAddresses: [...(v.scheduler.connected_addresses ?? [])] },
    workflows: v.workflows && { connectedWorkers: v.workflows.connectedWorkers },
  };
}
