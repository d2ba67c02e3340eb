/**
 * Protocol-neutral service invocation: resolves a target id to self, another sidecar or an HTTP
 * endpoint, and performs buffered calls (gRPC InvokeService and other buffered callers).
 * The streaming HTTP relay lives in http-invoke.ts and reuses resolveTarget().
 */
import type { Resolver, Endpoint } from '../../discovery/contract';
import type { DaprError } from '../../errors/dapr-error';
import { isDaprError } from '../../errors/dapr-error';
import { Errors } from '../../errors/codes';
import type { Logger } from '../../observability/logger';
import type { UpstreamPools } from '../../proxy/upstream/pools';
import type { Dispatcher } from 'undici';
import { bufferedCall } from '../../proxy/upstream/buffered-call';
import type { AppChannel } from '../../runtime/app-channel/contract';
import { InternalHeaders, type InvocationService, type InvokeTarget, type UnaryInvokeRequest, type UnaryInvokeResponse } from './contract';
import { parseTargetId } from './target-id';

export interface HttpEndpointTarget {
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface InvocationDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  /** Current resolver (may change on config reload). */
  readonly resolver: () => Resolver | undefined;
  /** HTTPEndpoint resources by name (may change on reload). */
  readonly httpEndpoints: () => ReadonlyMap<string, HttpEndpointTarget>;
  readonly pools: UpstreamPools;
  readonly appChannel: () => AppChannel | undefined;
  /** 'https' once mTLS is on between sidecars. */
  readonly internalScheme: () => 'http' | 'https';
}

export class DefaultInvocationService implements InvocationService {
  private readonly rr = new Map<string, number>();

  constructor(private readonly deps: InvocationDeps) {}

  async resolveTarget(target: string): Promise<InvokeTarget | DaprError> {
    const parsed = parseTargetId(target, this.deps.namespace);
    if (isDaprError(parsed)) return parsed;
    if (parsed.kind === 'url') return { kind: 'http-endpoint', name: parsed.url, baseUrl: parsed.url, headers: {} };
    const ep = this.deps.httpEndpoints().get(target);
    if (ep) return { kind: 'http-endpoint', name: target, baseUrl: ep.baseUrl.replace(/\/+$/, ''), headers: ep.headers };
    if (parsed.appId === this.deps.appId && parsed.namespace === this.deps.namespace) {
      return { kind: 'self', appId: parsed.appId, namespace: parsed.namespace };
    }
    const resolver = this.deps.resolver();
    if (!resolver) return Errors.invokeFailed(target, 'no name resolver is configured');
    const result = await resolver.resolve({ appId: parsed.appId, namespace: parsed.namespace });
    if (!result.ok) return Errors.invokeFailed(target, `couldn't find service: ${parsed.appId} (${result.message})`);
    if (result.endpoints.length === 0) return Errors.invokeFailed(target, `couldn't find service: ${parsed.appId}`);
    return { kind: 'remote', appId: parsed.appId, namespace: parsed.namespace, endpoint: this.pick(`${parsed.appId}.${parsed.namespace}`, result.endpoints) };
  }

  /** Round-robin across the current endpoints; a departed endpoint is simply absent from the list. */
  private pick(key: string, endpoints: readonly Endpoint[]): Endpoint {
    const n = (this.rr.get(key) ?? -1) + 1;
    this.rr.set(key, n % 1_000_000);
    return endpoints[n % endpoints.length]!;
  }

  /** The pool toward a remote sidecar, which must prove it is the resolved app (mTLS). */
  dispatcherFor(target: { appId: string; namespace: string; endpoint: Endpoint }) {
    return this.deps.pools.get(this.originOf(target.endpoint), { appId: target.appId, namespace: target.namespace });
  }

  originOf(endpoint: Endpoint): string {
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    return `${this.deps.internalScheme()}://${host}:${endpoint.port}`;
  }

  async invokeUnary(req: UnaryInvokeRequest): Promise<UnaryInvokeResponse | DaprError> {
    const target = await this.resolveTarget(req.appId);
    if (isDaprError(target)) return target;
    const path = '/' + req.method.replace(/^\/+/, '');
    const headers: Record<string, string> = { ...req.headers };
    if (req.contentType) headers['content-type'] = req.contentType;
    switch (target.kind) {
      case 'self': {
        const channel = this.deps.appChannel();
        if (!channel) return Errors.noAppChannel();
        return channel.call({ path, verb: req.verb, query: req.query, headers, body: req.body, ...(req.contentType ? { contentType: req.contentType } : {}) });
      }
      case 'remote': {
        headers[InternalHeaders.callerAppId] = this.deps.appId;
        headers[InternalHeaders.callerNamespace] = this.deps.namespace;
        headers[InternalHeaders.calleeAppId] = target.appId;
        headers[InternalHeaders.calleeNamespace] = target.namespace;
        return this.request(this.dispatcherFor(target), path, req, headers, req.appId);
      }
      case 'http-endpoint': {
        const url = new URL(target.baseUrl);
        const basePath = url.pathname.replace(/\/+$/, '');
        return this.request(this.deps.pools.get(url.origin), basePath + path, req, { ...headers, ...target.headers }, req.appId);
      }
    }
  }

  private request(dispatcher: Dispatcher, path: string, req: UnaryInvokeRequest, headers: Record<string, string>, id: string): Promise<UnaryInvokeResponse | DaprError> {
    return bufferedCall(dispatcher, { path, query: req.query, verb: req.verb, headers, body: req.body }, (err) => Errors.invokeFailed(id, err.message));
  }
}
