/**
 * The receiving end of a proxied gRPC call on the internal (sidecar-to-sidecar) listener: the
 * lead's listener hands over h2 requests whose content-type is application/grpc*. The call must
 * name this app as callee; internal headers are stripped, `dapr-caller-app-id` tells the app who
 * called, and the stream is relayed to the local app's gRPC server.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { InternalHeaders } from '../../api/invoke/contract';
import { Errors } from '../../errors/codes';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import { replyGrpcError } from './grpc-reply';
import { relayGrpc, upstreamRequestHeaders } from './grpc-relay';
import { DAPR_API_TOKEN_HEADER, DAPR_APP_ID_HEADER, type GrpcAppTarget } from './grpc-proxy';
import { UpstreamSessions } from './upstream-sessions';

export interface InternalGrpcDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly appChannelGrpc?: GrpcAppTarget;
  readonly logger: Logger;
  /** Sessions toward the app; a module-wide pool is used when omitted. */
  readonly sessions?: UpstreamSessions;
  /** APP_API_TOKEN, sent as dapr-api-token to the app. */
  readonly appApiToken?: string;
  /** Largest request message forwarded (bytes); undefined = unchecked. */
  readonly maxMessageBytes?: number;
  /** Verified caller app id (mTLS); when set it wins over the dapr-caller-app-id header. */
  readonly verifiedCallerAppId?: string;
}

const STRIP: ReadonlySet<string> = new Set([
  InternalHeaders.callerAppId, InternalHeaders.callerNamespace, InternalHeaders.calleeAppId, InternalHeaders.calleeNamespace,
  DAPR_APP_ID_HEADER, DAPR_API_TOKEN_HEADER,
]);

let defaultSessions: UpstreamSessions | undefined;

function header(req: Http2ServerRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isGrpcRequest(req: Http2ServerRequest): boolean {
  return (header(req, 'content-type') ?? '').startsWith('application/grpc');
}

export function handleInternalGrpc(req: Http2ServerRequest, res: Http2ServerResponse, deps: InternalGrpcDeps): void {
  const callee = header(req, InternalHeaders.calleeAppId);
  const calleeNs = header(req, InternalHeaders.calleeNamespace);
  if (callee !== deps.appId || (calleeNs !== undefined && calleeNs !== deps.namespace)) {
    const who = callee ?? '';
    replyGrpcError(res, daprError(404, 'ERR_DIRECT_INVOKE',
      `failed to invoke, id: ${who}, err: this sidecar serves app id ${deps.appId} in namespace ${deps.namespace}`, GrpcCode.NOT_FOUND));
    return;
  }
  const app = deps.appChannelGrpc;
  if (!app) return replyGrpcError(res, Errors.noAppChannel());
  const caller = deps.verifiedCallerAppId ?? header(req, InternalHeaders.callerAppId) ?? '';
  const add: Record<string, string> = { [InternalHeaders.callerAppId]: caller };
  if (deps.appApiToken) add[DAPR_API_TOKEN_HEADER] = deps.appApiToken;
  const sessions = deps.sessions ?? (defaultSessions ??= new UpstreamSessions(deps.logger));
  relayGrpc({
    res,
    session: sessions.get(app),
    headers: upstreamRequestHeaders(req.headers, {
      path: req.url,
      authority: header(req, ':authority') ?? `${app.host}:${app.port}`,
      drop: STRIP,
      add,
    }),
    targetAppId: deps.appId,
    maxMessageBytes: deps.maxMessageBytes,
    logger: deps.logger,
  });
}
