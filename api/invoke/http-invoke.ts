/**
 * The HTTP invocation head: streams the exchange to the local app, another sidecar's internal
 * listener, or an HTTP endpoint. Without a resiliency policy for the target, bodies stream both
 * ways and nothing is buffered. With one, the call goes through the policy (timeout, retries with
 * budget, circuit breaker): request bodies up to RETRY_BUFFER_LIMIT (declared Content-Length) are
 * buffered so they can be replayed; chunked or larger bodies are sent once (no retries). Each
 * attempt to another sidecar re-picks an instance, skipping instances ejected by outlier detection.
 * Without a Resiliency target for the app, Dapr's built-in retries apply to another sidecar that
 * cannot be reached (filters/resiliency/service-retries.ts); the body still streams.
 */
import type { Exchange, RouteHandler } from '../../proxy/contracts';
import { forwardableHeaders } from '../../proxy/headers';
import { relay } from '../../proxy/upstream/relay';
import { sendLocalReply } from '../../proxy/local-reply';
import { planBody, BodyTooLargeError } from '../../proxy/body-limit';
import { Errors } from '../../errors/codes';
import { isDaprError } from '../../errors/dapr-error';
import type { UpstreamPools } from '../../proxy/upstream/pools';
import type { AppChannel } from '../../runtime/app-channel/contract';
import { InternalHeaders, type InvokeTarget } from './contract';
import type { DefaultInvocationService } from './invocation-service';
import { judgeStatus, outlierKey, resiliencyError, type InvokeResilience } from './resilience';
import { bufferBody, commitAttempt, discardAttempt, replayable, sendAttempt, RETRY_BUFFER_LIMIT, type AttemptResult } from '../../proxy/upstream/resilient-relay';
import { isResiliencyFailure, RetriableFailure, type Verdict } from '../../filters/resiliency/policy';
import { afterRetriesMessage, bodyReplayable, isConnectFailure, sleep } from '../../filters/resiliency/service-retries';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export interface HttpInvokeDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly maxBodySize: number;
  readonly invocation: DefaultInvocationService;
  readonly pools: UpstreamPools;
  readonly appChannel: () => AppChannel | undefined;
  readonly appHealthy: () => boolean;
  /** Resiliency, outlier detection and statistics (runtime/chains.ts); absent = plain relay. */
  readonly resilience?: () => InvokeResilience | undefined;
}

/** Headers the caller's sidecar consumes; they never travel on. */
const DROP_OUTBOUND = new Set(['dapr-app-id', 'dapr-api-token', 'dapr-caller-app-id', 'dapr-caller-namespace', 'dapr-callee-app-id', 'dapr-callee-namespace']);
const DROP_OUTBOUND_BASIC = new Set([...DROP_OUTBOUND, 'authorization']);

export function createHttpInvokeHandler(deps: HttpInvokeDeps): RouteHandler {
  return async (ex: Exchange): Promise<void> => {
    const targetId = ex.targetAppId!;
    const method = ex.invokeMethod ?? '';
    const target = await deps.invocation.resolveTarget(targetId);
    if (isDaprError(target)) return sendLocalReply(ex, target);

    if (target.kind === 'self') {
      const channel = deps.appChannel();
      if (!channel) return sendLocalReply(ex, Errors.noAppChannel());
      if (!deps.appHealthy()) return sendLocalReply(ex, Errors.appUnhealthy(deps.appId));
      ex.path = '/' + method;
      ex.caller = { appId: deps.appId, namespace: deps.namespace, trustDomain: '', verified: true };
      return channel.forward(ex);
    }

    const plan = planBody(ex.req, deps.maxBodySize);
    if (!plan.ok) return sendLocalReply(ex, Errors.bodyTooLarge(deps.maxBodySize));
    const headers = forwardableHeaders(ex.headers, { drop: ex.scratch?.get('invoke.viaBasic') ? DROP_OUTBOUND_BASIC : DROP_OUTBOUND });
    const remote = ex.req.socket?.remoteAddress;
    if (remote) headers['x-forwarded-for'] = appendForwarded(ex.headers['x-forwarded-for'], remote);
    if (ex.headers.host && !headers['x-forwarded-host']) headers['x-forwarded-host'] = ex.headers.host;
    const query = ex.query ? `?${ex.query}` : '';
    const onError = (err: Error) => err instanceof BodyTooLargeError ? Errors.bodyTooLarge(deps.maxBodySize) : Errors.invokeFailed(targetId, err.message);

    const r = deps.resilience?.();
    const dstId = target.kind === 'remote' ? target.appId : target.name;
    r?.stats?.invocationSent(dstId);
    const started = r?.stats ? process.hrtime.bigint() : 0n;
    const onStatus = r?.stats ? (status: number) => r.stats!.invocationResponse(dstId, status, Number(process.hrtime.bigint() - started) / 1e6) : undefined;
    /** Where one attempt goes: remote sidecars through the identity-checked pool (mTLS). */
    const route = (t: Exclude<InvokeTarget, { kind: 'self' }>): { origin: string; path: string; dispatcher: Dispatcher } => {
      if (t.kind === 'remote') {
        headers[InternalHeaders.callerAppId] = deps.appId;
        headers[InternalHeaders.callerNamespace] = deps.namespace;
        headers[InternalHeaders.calleeAppId] = t.appId;
        headers[InternalHeaders.calleeNamespace] = t.namespace;
        return { origin: deps.invocation.originOf(t.endpoint), path: `/${method}${query}`, dispatcher: deps.invocation.dispatcherFor(t) };
      }
      const url = new URL(t.baseUrl);
      for (const [k, v] of Object.entries(t.headers)) headers[k.toLowerCase()] = v;
      headers.host = url.host;
      return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}/${method}${query}`, dispatcher: deps.pools.get(url.origin) };
    };
    const policy = r?.engine.policyFor({ kind: 'app', appId: dstId });
    const outlier = target.kind === 'remote' ? r?.outlier : undefined;
    const okey = target.kind === 'remote' ? outlierKey(target.appId, target.namespace) : '';
    if (!policy?.active) {
      // Plain streaming relay; outlier detection still sees the outcome.
      const serviceRetry = target.kind === 'remote' ? r?.engine.serviceRetryFor?.(dstId) : undefined;
      if (serviceRetry) {
        // Dapr's built-in retries: a sidecar that cannot be reached is tried again (re-resolved).
        let t: Exclude<InvokeTarget, { kind: 'self' }> = target;
        for (let n = 1; ; n++) {
          const { origin, path, dispatcher } = route(t);
          let again = false;
          await relay(dispatcher, ex, {
            path, method: ex.method, headers, body: plan.body,
            retryOnError: (err) => {
              outlier?.record(okey, origin, false, deps.invocation.knownEndpoints(okey));
              again = (serviceRetry.maxRetries < 0 || n <= serviceRetry.maxRetries) && isConnectFailure(err) && bodyReplayable(plan.body) && !ex.res.destroyed;
              return again;
            },
            onError: (err) => { onStatus?.(500); return onError(n > 1 && !(err instanceof BodyTooLargeError) ? new Error(afterRetriesMessage(targetId, n - 1, err.message)) : err); },
            onStatus: (status) => { outlier?.record(okey, origin, status < 500, deps.invocation.knownEndpoints(okey)); onStatus?.(status); },
          });
          if (!again) return;
          r?.stats?.retry(`app:${dstId}`);
          await sleep(serviceRetry.delay(n));
          if (ex.res.destroyed) return;
          const next = await deps.invocation.resolveTarget(targetId);
          if (!isDaprError(next) && next.kind === 'remote') t = next;
        }
      }
      const first = route(target);
      if (!outlier) return relay(first.dispatcher, ex, { path: first.path, method: ex.method, headers, body: plan.body, onError, ...(onStatus ? { onStatus } : {}) });
      const known = deps.invocation.knownEndpoints(okey);
      return relay(first.dispatcher, ex, {
        path: first.path, method: ex.method, headers, body: plan.body,
        onError: (err) => { outlier.record(okey, first.origin, false, known); onStatus?.(500); return onError(err); },
        onStatus: (status) => { outlier.record(okey, first.origin, status < 500, known); onStatus?.(status); },
      });
    }

    // Resilient path: each attempt is judged before it is committed to the client.
    let body: Buffer | Readable | null = plan.body;
    const canReplay = policy?.retries === true && replayable(ex.req);
    if (canReplay && body !== null) {
      const buffered = await bufferBody(ex.req, RETRY_BUFFER_LIMIT);
      if (buffered instanceof Error) return sendLocalReply(ex, Errors.invokeFailed(targetId, buffered.message));
      body = buffered;
    }
    const attempt = async (signal: AbortSignal | undefined, n: number): Promise<AttemptResult> => {
      let t: Exclude<InvokeTarget, { kind: 'self' }> = target;
      if (n > 1 && target.kind === 'remote') {
        const again = await deps.invocation.resolveTarget(targetId);
        if (!isDaprError(again) && again.kind === 'remote') t = again;
      }
      const { origin, path, dispatcher } = route(t);
      const result = await sendAttempt(dispatcher, { path, method: ex.method, headers, body, signal });
      outlier?.record(okey, origin, result.kind === 'response' && result.status < 500, deps.invocation.knownEndpoints(okey));
      return result;
    };
    const judge = (a: AttemptResult): Verdict => (a.kind === 'error' ? RetriableFailure : judgeStatus(policy, a.status));
    const result = await policy.execute(attempt, judge, { retry: canReplay || body === null, discard: discardAttempt });
    if (isResiliencyFailure(result)) {
      onStatus?.(500);
      return sendLocalReply(ex, resiliencyError(targetId, result));
    }
    if (result.kind === 'error') {
      onStatus?.(500);
      return sendLocalReply(ex, onError(result.error));
    }
    onStatus?.(result.status);
    return commitAttempt(ex, result);
  };
}

function appendForwarded(prev: string | string[] | undefined, addr: string): string {
  const p = Array.isArray(prev) ? prev.join(', ') : prev;
  return p ? `${p}, ${addr}` : addr;
}
