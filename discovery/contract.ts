/**
 * Name resolution: an app id (and namespace) becomes a changing set of endpoints of the target
 * sidecar's internal (sidecar-to-sidecar) listener. Clusters load-balance across the set.
 */

/** One reachable sidecar instance. */
export interface Endpoint {
  readonly host: string;
  /** The internal (sidecar-to-sidecar) port of that sidecar. */
  readonly port: number;
  /** App id the instance announced (a resolver never returns an instance of another app id). */
  readonly appId: string;
  readonly namespace?: string;
}

/** What a sidecar announces about itself so that others can resolve it. */
export interface SelfRegistration {
  readonly appId: string;
  readonly namespace: string;
  /** Address other sidecars should dial (e.g. 127.0.0.1 or the host IP). */
  readonly host: string;
  readonly internalPort: number;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly appPort?: number;
}

export interface ResolveRequest {
  readonly appId: string;
  readonly namespace: string;
}

export type ResolveResult =
  | { readonly ok: true; readonly endpoints: readonly Endpoint[] }
  | { readonly ok: false; readonly code: 'NOT_FOUND' | 'RESOLVER_ERROR'; readonly message: string };

export interface Resolver {
  /** Dapr component name, e.g. "mdns", "kubernetes", "consul", "static". */
  readonly name: string;
  /** Start background work (announce self, open sockets). Rejects with a clear message on failure. */
  init(self: SelfRegistration): Promise<void>;
  /** Current endpoints for an app id. Must not throw for "not found"; returns ok:false instead. */
  resolve(req: ResolveRequest): Promise<ResolveResult>;
  /**
   * Optional push of changes: called with the full current set for an app id when it changes.
   * Returns an unsubscribe function.
   */
  watch?(req: ResolveRequest, onChange: (endpoints: readonly Endpoint[]) => void): () => void;
  /** Withdraw self-registration and release sockets. */
  close(): Promise<void>;
}

/** Creates a resolver from the Configuration's spec.nameResolution.configuration. */
export interface ResolverFactory {
  readonly name: string;
  create(configuration: Record<string, unknown>, log: import('../observability/logger').Logger): Resolver;
}
