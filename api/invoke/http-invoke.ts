/**
 * The HTTP invocation head: streams the exchange to the local app, another sidecar's internal
 * listener, or an HTTP endpoint. Bodies stream both ways; nothing is buffered.
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
import { InternalHeaders } from './contract';
import type { DefaultInvocationService } from './invocation-service';

export interface HttpInvokeDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly maxBodySize: number;
  readonly invocation: DefaultInvocationService;
  readonly pools: UpstreamPools;
  readonly appChannel: () => AppChannel | undefined;
  readonly appHealthy: () => boolean;
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

    if (target.kind === 'remote') {
      headers[InternalHeaders.callerAppId] = deps.appId;
      headers[InternalHeaders.callerNamespace] = deps.namespace;
      headers[InternalHeaders.calleeAppId] = target.appId;
      headers[InternalHeaders.calleeNamespace] = target.namespace;
      return relay(deps.invocation.dispatcherFor(target), ex, { path: `/${method}${query}`, method: ex.method, headers, body: plan.body, onError });
    }
    const url = new URL(target.baseUrl);
    for (const [k, v] of Object.entries(target.headers)) headers[k.toLowerCase()] = v;
    headers.host = url.host;
    const basePath = url.pathname.replace(/\/+$/, '');
    return relay(deps.pools.get(url.origin), ex, { path: `${basePath}/${method}${query}`, method: ex.method, headers, body: plan.body, onError });
  };
}

function appendForwarded(prev: string | string[] | undefined, addr: string): string {
  const p = Array.isArray(prev) ? prev.join(', ') : prev;
  return p ? `${p}, ${addr}` : addr;
}
