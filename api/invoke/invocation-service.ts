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
import { judgeStatus, outlierKey, resiliencyError, type InvokeResilience } from './resilience';
import { isResiliencyFailure, RetriableFailure } from '../../filters/resiliency/policy';
import { afterRetriesMessage, isConnectFailure, sleep } from '../../filters/resiliency/service-retries';

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
  /** Resiliency, outlier detection and statistics (runtime/chains.ts); absent = plain calls. */
  readonly resilience?: () => InvokeResilience | undefined;
}

export class DefaultInvocationService implements InvocationService {
  private readonly rr = new Map<string, number>();
  /** Endpoint counts per "app.namespace" seen at the last resolution (for outlier ejection caps). */
  private readonly known = new Map<string, number>();

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
    return { kind: 'remote', appId: parsed.appId, namespace: parsed.namespace, endpoint: this.pick(outlierKey(parsed.appId, parsed.namespace), result.endpoints) };
  }

  knownEndpoints(key: string): number {
    return this.known.get(key) ?? 1;
  }

  /**
   * Round-robin across the current endpoints; a departed endpoint is simply absent from the list,
   * an endpoint ejected by outlier detection is skipped while ejected.
   */
  private pick(key: string, all: readonly Endpoint[]): Endpoint {
    this.known.set(key, all.length);
    const outlier = this.deps.resilience?.()?.outlier;
    const endpoints = outlier ? outlier.select(key, all, (e) => this.originOf(e)) : all;
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
        return this.resilient(target.appId, target, async (t, transportError) => {
          const out = await this.request(this.dispatcherFor(t), path, req, headers, req.appId, transportError);
          this.recordOutlier(t, out);
          return out;
        });
      }
      case 'http-endpoint': {
        const url = new URL(target.baseUrl);
        const basePath = url.pathname.replace(/\/+$/, '');
        return this.resilient(target.name, target, () => this.request(this.deps.pools.get(url.origin), basePath + path, req, { ...headers, ...target.headers }, req.appId));
      }
    }
  }

  private recordOutlier(t: Extract<InvokeTarget, { kind: 'remote' }>, out: UnaryInvokeResponse | DaprError): void {
    const outlier = this.deps.resilience?.()?.outlier;
    if (!outlier) return;
    const key = outlierKey(t.appId, t.namespace);
    outlier.record(key, this.originOf(t.endpoint), !isDaprError(out) && out.status < 500, this.knownEndpoints(key));
  }

  /**
   * Runs a buffered call through the target app's resiliency policy (the body is in memory, so
   * every attempt may be retried); a retry toward another sidecar re-picks the instance.
   */
  private async resilient<T extends Exclude<InvokeTarget, { kind: 'self' }>>(dstId: string, first: T, call: (t: T, transportError?: (err: Error) => void) => Promise<UnaryInvokeResponse | DaprError>): Promise<UnaryInvokeResponse | DaprError> {
    const r = this.deps.resilience?.();
    r?.stats?.invocationSent(dstId);
    const started = process.hrtime.bigint();
    const policy = r?.engine.policyFor({ kind: 'app', appId: dstId });
    const serviceRetry = first.kind === 'remote' && !policy?.active ? r?.engine.serviceRetryFor?.(dstId) : undefined;
    let out: UnaryInvokeResponse | DaprError;
    if (serviceRetry) {
      // Dapr's built-in retries: a sidecar that cannot be reached is tried again (re-resolved).
      let t = first;
      for (let n = 1; ; n++) {
        let failure: Error | undefined;
        out = await call(t, (err) => { failure = err; });
        const retry = failure !== undefined && isConnectFailure(failure) && (serviceRetry.maxRetries < 0 || n <= serviceRetry.maxRetries);
        if (!retry) {
          if (n > 1 && failure !== undefined) out = Errors.invokeFailed(dstId, afterRetriesMessage(dstId, n - 1, failure.message));
          break;
        }
        r?.stats?.retry(`app:${dstId}`);
        await sleep(serviceRetry.delay(n));
        const remote = first as Extract<InvokeTarget, { kind: 'remote' }>;
        const again = await this.resolveTarget(`${remote.appId}.${remote.namespace}`);
        if (!isDaprError(again) && again.kind === 'remote') t = again as T;
      }
    } else if (!policy?.active) out = await call(first);
    else {
      const result = await policy.execute(async (_signal, n) => {
        let t = first;
        if (n > 1 && first.kind === 'remote') {
          const again = await this.resolveTarget(`${first.appId}.${first.namespace}`);
          if (!isDaprError(again) && again.kind === 'remote') t = again as T;
        }
        return call(t);
      }, (res) => (isDaprError(res) ? RetriableFailure : judgeStatus(policy, res.status)));
      out = isResiliencyFailure(result) ? resiliencyError(dstId, result) : result;
    }
    r?.stats?.invocationResponse(dstId, out.status, Number(process.hrtime.bigint() - started) / 1e6);
    return out;
  }

  private request(dispatcher: Dispatcher, path: string, req: UnaryInvokeRequest, headers: Record<string, string>, id: string, transportError?: (err: Error) => void): Promise<UnaryInvokeResponse | DaprError> {
    return bufferedCall(dispatcher, { path, query: req.query, verb: req.verb, headers, body: req.body }, (err) => { transportError?.(err); return Errors.invokeFailed(id, err.message); });
  }
}
