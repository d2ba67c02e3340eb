/**
 * Service invocation, protocol-neutral. The HTTP head (api/invoke/http-invoke.ts), the gRPC head
 * (InvokeService and the gRPC proxy) and the internal listener all go through these types.
 */
import type { Endpoint } from '../../discovery/contract';
import type { DaprError } from '../../errors/dapr-error';

/** Where an invocation goes after the target id is parsed and resolved. */
export type InvokeTarget =
  /** Same app id and namespace: the local app channel. */
  | { readonly kind: 'self'; readonly appId: string; readonly namespace: string }
  /** Another sidecar, reached on its internal (sidecar-to-sidecar) listener. */
  | { readonly kind: 'remote'; readonly appId: string; readonly namespace: string; readonly endpoint: Endpoint }
  /** A non-Dapr HTTP endpoint: an HTTPEndpoint resource or an http(s):// URL given as the id. */
  | {
      readonly kind: 'http-endpoint';
      readonly name: string;
      /** Base URL without trailing slash, e.g. "https://api.example.com/v2". */
      readonly baseUrl: string;
      readonly headers: Readonly<Record<string, string>>;
    };

export interface UnaryInvokeRequest {
  /** Target as the caller wrote it: "app", "app.ns", an HTTPEndpoint name or an http(s) URL. */
  readonly appId: string;
  /** Method path without a leading slash, already normalised. */
  readonly method: string;
  readonly verb: string;
  /** Query string without '?', or ''. */
  readonly query: string;
  readonly contentType?: string;
  readonly body: Buffer;
  /** Extra headers (metadata) for the app; hop-by-hop and dapr-internal ones are dropped. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface UnaryInvokeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  readonly contentType?: string;
}

export interface InvocationService {
  /** Parses and resolves a target id. Expected failures are values (ERR_DIRECT_INVOKE). */
  resolveTarget(target: string): Promise<InvokeTarget | DaprError>;
  /** Buffered invocation (gRPC InvokeService, bindings, SDK helpers). */
  invokeUnary(req: UnaryInvokeRequest): Promise<UnaryInvokeResponse | DaprError>;
}

/** Headers the sidecars exchange on the internal listener. */
export const InternalHeaders = {
  callerAppId: 'dapr-caller-app-id',
  callerNamespace: 'dapr-caller-namespace',
  calleeAppId: 'dapr-callee-app-id',
  calleeNamespace: 'dapr-callee-namespace',
} as const;
