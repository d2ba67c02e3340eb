/**
 * Dapr's gRPC proxy: a call to a service the sidecar does not serve, carrying `dapr-app-id`
 * metadata, is forwarded as-is (same :path, all four streaming kinds) to the target: the local
 * app's gRPC server when the target is this app, else the target sidecar's internal listener,
 * which hands it to its own app (proxy/grpc/internal-grpc.ts).
 */
import type { Http2ServerResponse } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { InternalHeaders, type InvocationService } from '../../api/invoke/contract';
import type { Endpoint } from '../../discovery/contract';
import { Errors } from '../../errors/codes';
import { GrpcCode, isDaprError } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import type { Exchange } from '../contracts';
import { replyGrpcError } from './grpc-reply';
import { relayError, relayGrpc, upstreamRequestHeaders } from './grpc-relay';
import type { UpstreamSessions } from './upstream-sessions';

export const DAPR_APP_ID_HEADER = 'dapr-app-id';
export const DAPR_API_TOKEN_HEADER = 'dapr-api-token';

/** Where the local app's gRPC server listens (--app-channel-address, --app-port). */
export interface GrpcAppTarget {
  readonly host: string;
  readonly port: number;
  /** --app-protocol grpcs: TLS options toward the app. */
  readonly tls?: ConnectionOptions;
}

export interface GrpcProxyDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly invocation: InvocationService;
  readonly appChannelGrpc?: GrpcAppTarget;
  readonly sessions: UpstreamSessions;
  /** Largest request message forwarded; larger ones get RESOURCE_EXHAUSTED. */
  readonly maxMessageBytes: number;
  /** TLS (mTLS) toward a peer sidecar's internal listener; undefined = h2c. */
  readonly peerTls?: (endpoint: Endpoint) => ConnectionOptions | undefined;
  /** APP_API_TOKEN, sent as dapr-api-token to the local app. */
  readonly appApiToken?: string;
  readonly logger: Logger;
}

const DROP_TOWARD_PEER: ReadonlySet<string> = new Set([
  DAPR_APP_ID_HEADER, DAPR_API_TOKEN_HEADER,
  InternalHeaders.callerAppId, InternalHeaders.callerNamespace, InternalHeaders.calleeAppId, InternalHeaders.calleeNamespace,
]);

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The dapr-app-id metadata of a call, if any. */
export function grpcTargetAppId(ex: Exchange): string | undefined {
  const v = firstValue(ex.headers[DAPR_APP_ID_HEADER])?.trim();
  return v ? v : undefined;
}

export async function proxyGrpc(ex: Exchange, targetId: string, deps: GrpcProxyDeps): Promise<void> {
  const res = ex.res as Http2ServerResponse;
  let target;
  try {
    target = await deps.invocation.resolveTarget(targetId);
  } catch (err) {
    replyGrpcError(res, relayError(targetId, (err as Error).message, GrpcCode.INTERNAL));
    return;
  }
  if (isDaprError(target)) return replyGrpcError(res, target);
  if (target.kind === 'http-endpoint') {
    return replyGrpcError(res, relayError(targetId, 'gRPC proxying to an HTTP endpoint is not supported', GrpcCode.UNIMPLEMENTED));
  }
  ex.targetAppId = target.appId;
  const authority = firstValue(ex.headers[':authority']) ?? `${target.appId}`;

  if (target.kind === 'self') {
    const app = deps.appChannelGrpc;
    if (!app) return replyGrpcError(res, Errors.noAppChannel());
    const add: Record<string, string> = { [InternalHeaders.callerAppId]: deps.appId };
    if (deps.appApiToken) add[DAPR_API_TOKEN_HEADER] = deps.appApiToken;
    relayGrpc({
      res,
      session: deps.sessions.get(app),
      headers: upstreamRequestHeaders(ex.headers, { path: ex.path, authority, drop: DROP_TOWARD_PEER, add }),
      targetAppId: target.appId,
      maxMessageBytes: deps.maxMessageBytes,
      logger: deps.logger,
    });
    return;
  }

  const { endpoint } = target;
  relayGrpc({
    res,
    session: deps.sessions.get({ host: endpoint.host, port: endpoint.port, tls: deps.peerTls?.(endpoint) }),
    headers: upstreamRequestHeaders(ex.headers, {
      path: ex.path,
      authority,
      drop: DROP_TOWARD_PEER,
      add: {
        [InternalHeaders.callerAppId]: deps.appId,
        [InternalHeaders.callerNamespace]: deps.namespace,
        [InternalHeaders.calleeAppId]: target.appId,
        [InternalHeaders.calleeNamespace]: target.namespace,
      },
    }),
    targetAppId: target.appId,
    maxMessageBytes: deps.maxMessageBytes,
    logger: deps.logger,
  });
}
