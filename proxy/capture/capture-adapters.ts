/**
 * How captured traffic reaches the sidecar. Two wirings, same behaviour:
 *  - in process (the sidecar owns the capture listeners): `dispatchInvoke` rewrites the exchange to
 *    the invoke API form and hands it to the Dapr HTTP dispatch (route -> filter chain -> invoke);
 *    `inboundChainDispatch` runs the inbound chain (-> app channel) directly, `inboundH2Dispatch`
 *    runs the same inbound filters on captured h2c/gRPC streams (-> the app over HTTP/2); `grpcServerInvoke`
 *    hands a captured gRPC stream to the sidecar's gRPC API server with `dapr-app-id` set, so it
 *    takes the gRPC proxy path (API filters -> proxy -> peer sidecar over mTLS).
 *  - out of process, next to an unmodified sidecar: `loopbackInvoke` relays to the sidecar's Dapr
 *    HTTP API (/v1.0/invoke/<app>/method/...), `loopbackInbound` to its internal listener (plain
 *    only: with mTLS on, the internal listener needs a workload certificate, so use in-process).
 */
import type http2 from 'node:http2';
import type { Exchange, HttpFilter } from '../contracts';
import type { FilterChain } from '../filter-chain';
import { normalisePath } from '../path';
import { sendLocalReply } from '../local-reply';
import { forwardableHeaders } from '../headers';
import { relay } from '../upstream/relay';
import type { UpstreamPools } from '../upstream/pools';
import { Errors } from '../../errors/codes';
import type { Resolver } from '../../discovery/contract';
import type { Logger } from '../../observability/logger';
import type { InboundH2Handler } from './inbound-h2';

/** The invoke API path for a captured request (path already normalised, starts with "/"). */
export function invokePath(appId: string, path: string): string {
  return `/v1.0/invoke/${encodeURIComponent(appId)}/method${path}`;
}

/** In process: the sidecar's Dapr HTTP dispatch (api/dapr-http-api.ts createDaprHttpDispatch). */
export function dispatchInvoke(dispatch: (ex: Exchange) => void, apiToken?: string): (ex: Exchange, appId: string) => void {
  return (ex, appId) => {
    ex.path = invokePath(appId, ex.path);
    // The app did not (and cannot) send the token: captured traffic is the app's own.
    if (apiToken) ex.headers['dapr-api-token'] = apiToken;
    dispatch(ex);
  };
}

/**
 * In process: the sidecar's Dapr gRPC API server (proxy/grpc/grpc-api-server.ts). The stream is
 * served exactly as if the app had called the sidecar's gRPC port with `dapr-app-id` metadata.
 */
export function grpcServerInvoke(server: http2.Http2Server, apiToken?: string): (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, appId: string) => void {
  return (req, res, appId) => {
    req.headers['dapr-app-id'] = appId;
    // The app did not (and cannot) send the token: captured traffic is the app's own.
    if (apiToken) req.headers['dapr-api-token'] = apiToken;
    server.emit('request', req, res);
  };
}

/** In process: the inbound chain of the sidecar (runtime/internal-dispatch.ts appTerminal at its end). */
export function inboundChainDispatch(appId: string, chain: () => FilterChain): (ex: Exchange) => void {
  return (ex) => {
    const norm = normalisePath(ex.path);
    if (!norm.ok) return sendLocalReply(ex, Errors.badPath(norm.reason));
    ex.path = norm.path;
    ex.invokeMethod = norm.path.slice(1);
    ex.targetAppId = appId;
    // Not a sidecar: an outside caller without identity (access control applies its default).
    chain().run(ex);
  };
}

/** The sidecar options inbound h2c/gRPC handling needs. */
export interface InboundH2Options {
  readonly appId: string;
  readonly appApiToken?: string;
}

/**
 * In process: captured inbound h2c/gRPC through the sidecar's inbound filters (runtime/chains.ts
 * `inboundFilters`, the list the internal listener runs for gRPC from peer sidecars), then to the
 * app. Loaded on use: only transparent mode needs it.
 */
export function inboundH2Dispatch(opts: InboundH2Options, filters: readonly HttpFilter[], logger: Logger, appHealthy?: () => boolean): InboundH2Handler {
  const { createInboundH2Handler } = require('./inbound-h2') as typeof import('./inbound-h2');
  return createInboundH2Handler({
    appId: opts.appId, filters, logger: logger.child('capture-in'),
    ...(opts.appApiToken ? { appApiToken: opts.appApiToken } : {}), ...(appHealthy ? { appHealthy } : {}),
  });
}

/** Out of process: relay to the sidecar's Dapr HTTP API. */
export function loopbackInvoke(pools: UpstreamPools, apiOrigin: string, apiToken?: string): (ex: Exchange, appId: string) => void {
  return (ex, appId) => {
    const headers = forwardableHeaders(ex.headers);
    if (apiToken) headers['dapr-api-token'] = apiToken;
    const query = ex.query ? `?${ex.query}` : '';
    void relay(pools.get(apiOrigin), ex, {
      path: invokePath(appId, ex.path) + query, method: ex.method, headers, body: ex.req as import('node:stream').Readable,
      onError: (err) => Errors.invokeFailed(appId, err.message),
    });
  };
}

/** Out of process: relay to the sidecar's internal listener as an identity-less caller. */
export function loopbackInbound(pools: UpstreamPools, internalOrigin: string, appId: string, namespace: string): (ex: Exchange) => void {
  return (ex) => {
    const headers = forwardableHeaders(ex.headers, { drop: new Set(['dapr-caller-app-id', 'dapr-caller-namespace']) });
    headers['dapr-callee-app-id'] = appId;
    headers['dapr-callee-namespace'] = namespace;
    const query = ex.query ? `?${ex.query}` : '';
    void relay(pools.get(internalOrigin), ex, {
      path: ex.path + query, method: ex.method, headers, body: ex.req as import('node:stream').Readable,
      onError: (err) => Errors.invokeFailed(appId, err.message),
    });
  };
}

/** A mesh-app check from a resolver: known app ids resolve to at least one endpoint. */
export function resolverMeshCheck(resolver: () => Resolver | undefined, ownNamespace: string, ownAppId?: string): (appId: string) => Promise<boolean> {
  return async (target) => {
    const [appId, ns] = target.split('.') as [string, string | undefined];
    if (appId === ownAppId && (ns ?? ownNamespace) === ownNamespace) return true;
    const r = resolver();
    if (!r) return false;
    const res = await r.resolve({ appId, namespace: ns ?? ownNamespace });
    return res.ok && res.endpoints.length > 0;
  };
}
