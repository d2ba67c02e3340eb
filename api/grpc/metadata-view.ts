/**
 * The sidecar's metadata as a plain object, shaped like the JSON of GET /v1.0/metadata (field
 * names as Dapr's HTTP API writes them). The HTTP head serialises it as-is; the gRPC head maps it
 * to GetMetadataResponse. Empty/undefined fields are omitted on the wire.
 */
export interface MetadataActorCount {
  readonly type: string;
  readonly count: number;
}

export interface MetadataComponent {
  readonly name: string;
  readonly type: string;
  readonly version: string;
  readonly capabilities?: readonly string[];
}

export interface MetadataSubscriptionRule {
  readonly match: string;
  readonly path: string;
}

export interface MetadataSubscription {
  readonly pubsubname: string;
  readonly topic: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly rules?: readonly MetadataSubscriptionRule[];
  readonly deadLetterTopic?: string;
  /** DECLARATIVE | PROGRAMMATIC | STREAMING (anything else maps to UNKNOWN). */
  readonly type?: string;
}

export interface MetadataAppConnectionProperties {
  readonly port?: number;
  readonly protocol?: string;
  readonly channelAddress?: string;
  readonly maxConcurrency?: number;
  readonly health?: {
    readonly healthCheckPath?: string;
    /** Go duration string, e.g. "5s". */
    readonly healthProbeInterval?: string;
    /** Go duration string, e.g. "500ms". */
    readonly healthProbeTimeout?: string;
    readonly healthThreshold?: number;
  };
}

export interface MetadataActorRuntime {
  readonly runtimeStatus: 'INITIALIZING' | 'DISABLED' | 'RUNNING';
  readonly activeActors?: readonly MetadataActorCount[];
  readonly hostReady: boolean;
  readonly placement: string;
}

export interface MetadataView {
  readonly id: string;
  readonly runtimeVersion: string;
  readonly enabledFeatures?: readonly string[];
  readonly actors?: readonly MetadataActorCount[];
  readonly components?: readonly MetadataComponent[];
  /** Always carries daprRuntimeVersion in daprd. */
  readonly extended?: Readonly<Record<string, string>>;
  readonly subscriptions?: readonly MetadataSubscription[];
  readonly httpEndpoints?: ReadonlyArray<{ readonly name: string }>;
  readonly appConnectionProperties?: MetadataAppConnectionProperties;
  readonly actorRuntime?: MetadataActorRuntime;
  readonly scheduler?: { readonly connected_addresses?: readonly string[] };
  readonly workflows?: { readonly connectedWorkers: number };
}
