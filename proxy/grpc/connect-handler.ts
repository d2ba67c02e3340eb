/**
 * Serves Connect-routed gRPC calls from a node:http2 server. This is connectNodeAdapter's job done
 * in the open (same public building blocks: universalRequestFromNodeRequest ->
 * handler -> universalResponseToNodeResponse) so that the request body passes the frame guard
 * (grpc-go's max-message-size wording) and handlers can read the Exchange the filters saw.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Code, ConnectError, createConnectRouter, createContextKey, createContextValues, type ConnectRouter } from '@connectrpc/connect';
import type { UniversalHandler, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from '@connectrpc/connect-node';
import type { Exchange } from '../contracts';
import type { Logger } from '../../observability/logger';
import { guardFrames, messageTooLarge } from './frame-guard';
import { connectErrorFromDaprError } from './connect-error';
import { fixConnectGrpcMessage, replyGrpcError } from './grpc-reply';
import { Errors } from '../../errors/codes';

/** Handlers read the exchange (caller identity, trace, headers after filters) from their context. */
export const exchangeKey = createContextKey<Exchange | undefined>(undefined, { description: 'outrigger exchange' });

export interface ConnectDispatch {
  /** Request path (/pkg.Service/Method) -> handler. */
  readonly handlers: ReadonlyMap<string, UniversalHandler>;
  /** Fully-qualified names of the services served. */
  readonly services: ReadonlySet<string>;
  serve(handler: UniversalHandler, ex: Exchange): void;
}

/**
 * Connect writes grpc-message with encodeURIComponent; grpc-js clients decode with decodeURI.
 * The trailer is filled in while the body is iterated, so re-encode it once the body is done.
 */
function withSpecGrpcMessage(uRes: UniversalServerResponse): UniversalServerResponse {
  fixConnectGrpcMessage(uRes.header);
  const body = uRes.body;
  if (body === undefined || body instanceof Uint8Array) {
    fixConnectGrpcMessage(uRes.trailer);
    return uRes;
  }
  async function* fixed(): AsyncIterable<Uint8Array> {
    try {
      yield* body as AsyncIterable<Uint8Array>;
    } finally {
      fixConnectGrpcMessage(uRes.header);
      fixConnectGrpcMessage(uRes.trailer);
    }
  }
  return { ...uRes, body: fixed() };
}

export function createConnectDispatch(
  routes: (router: ConnectRouter) => void,
  maxMessageBytes: number,
  logger: Logger,
  /** Aborted when the listener shuts down: long-lived streaming handlers see ctx.signal fire. */
  shutdownSignal?: AbortSignal,
): ConnectDispatch {
  const router = createConnectRouter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: maxMessageBytes,
    acceptCompression: [compressionGzip],
    ...(shutdownSignal ? { shutdownSignal } : {}),
  });
  routes(router);
  const handlers = new Map<string, UniversalHandler>();
  const services = new Set<string>();
  for (const h of router.handlers) {
    handlers.set(h.requestPath, h);
    services.add(h.service.typeName);
  }
  const tooLarge = (n: number): ConnectError => connectErrorFromDaprError(messageTooLarge(n, maxMessageBytes));

  return {
    handlers,
    services,
    serve(handler, ex) {
      const req = ex.req as Http2ServerRequest;
      const res = ex.res as Http2ServerResponse;
      let uReq: ReturnType<typeof universalRequestFromNodeRequest>;
      try {
        uReq = universalRequestFromNodeRequest(req, res, undefined, createContextValues().set(exchangeKey, ex));
      } catch (err) {
        // e.g. no :authority: not a well-formed gRPC request.
        return replyGrpcError(res, Errors.malformedRequest(err instanceof Error ? err.message : String(err)));
      }
      const body = uReq.body;
      if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
        uReq.body = guardFrames(body as AsyncIterable<Uint8Array>, maxMessageBytes, tooLarge);
      }
      handler(uReq)
        .then((uRes) => universalResponseToNodeResponse(withSpecGrpcMessage(uRes), res))
        .catch((reason: unknown) => {
          if (ConnectError.from(reason).code === Code.Aborted) return;
          logger.warn('gRPC handler failed', { method: ex.path, err: reason instanceof Error ? reason : String(reason) });
        });
    },
  };
}
