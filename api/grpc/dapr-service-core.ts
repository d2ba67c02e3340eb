/**
 * The building-block-neutral Dapr gRPC methods the foundation owns: InvokeService, GetMetadata,
 * SetMetadata, Shutdown. A thin head over the protocol-neutral invocation service and metadata
 * callbacks; returns a partial ServiceImpl for createGrpcApiServer's `services`.
 */
import { STATUS_CODES } from 'node:http';
import type { HandlerContext } from '@connectrpc/connect';
import { HTTPExtension_Verb } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb';
import type { InvokeServiceRequest } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import type { InvocationService } from '../invoke/contract';
import { daprError, errorInfo, grpcCodeForHttpStatus, isDaprError, type DaprError } from '../../errors/dapr-error';
import { Errors } from '../../errors/codes';
import { exchangeKey } from '../../proxy/grpc/connect-handler';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import type { MetadataView } from './metadata-view';
import { toGetMetadataResponse } from './metadata-response';
import { copyResponseHeaders, metadataToHeaders } from './grpc-headers';

export interface DaprCoreDeps {
  readonly invocation: InvocationService;
  getMetadata(): MetadataView | Promise<MetadataView>;
  /** Stores extended metadata; a DaprError (e.g. ERR_METADATA_SET) rejects the call. */
  setMetadata(key: string, value: string): void | DaprError | Promise<void | DaprError>;
  /** Starts the graceful shutdown; called after the reply is on its way. */
  shutdown(): void;
}

/** Dapr's error for a non-2xx answer of an HTTP app to InvokeService. */
export function invokeHttpError(status: number, body: Buffer): DaprError {
  const text = STATUS_CODES[status] ?? `HTTP ${status}`;
  const detail = body.toString('utf8');
  return daprError(status, 'ERR_DIRECT_INVOKE', text, grpcCodeForHttpStatus(status), [
    errorInfo(text, { 'http.code': String(status), 'http.error_message': detail.length > 63 ? detail.slice(0, 63) : detail }),
  ]);
}

function verbName(verb: HTTPExtension_Verb | undefined): string {
  return verb === undefined || verb === HTTPExtension_Verb.NONE ? 'POST' : HTTPExtension_Verb[verb];
}

function requestHeaders(ctx: HandlerContext): Record<string, string> {
  const ex = ctx.values.get(exchangeKey);
  return metadataToHeaders(ex ? ex.headers : ctx.requestHeader);
}

export function createDaprCoreService(deps: DaprCoreDeps): DaprServicePart {
  return {
    async invokeService(req: InvokeServiceRequest, ctx: HandlerContext) {
      const msg = req.message;
      if (!req.id) throw connectErrorFromDaprError(Errors.noAppId());
      if (!msg) throw connectErrorFromDaprError(Errors.malformedRequest('InvokeServiceRequest.message is required'));
      const method = msg.method.replace(/^\/+/, '');
      const result = await deps.invocation.invokeUnary({
        appId: req.id,
        method,
        verb: verbName(msg.httpExtension?.verb),
        query: msg.httpExtension?.querystring ?? '',
        contentType: msg.contentType || undefined,
        body: Buffer.from(msg.data?.value ?? new Uint8Array(0)),
        headers: requestHeaders(ctx),
      });
      if (isDaprError(result)) throw connectErrorFromDaprError(result);
      if (result.status < 200 || result.status > 299) throw connectErrorFromDaprError(invokeHttpError(result.status, result.body));
      copyResponseHeaders(result.headers, ctx.responseHeader);
      return { data: { typeUrl: '', value: result.body }, contentType: result.contentType ?? '' };
    },

    async getMetadata() {
      return toGetMetadataResponse(await deps.getMetadata());
    },

    async setMetadata(req) {
      const err = await deps.setMetadata(req.key, req.value);
      if (err) throw connectErrorFromDaprError(err);
      return {};
    },

    async shutdown() {
      setImmediate(() => deps.shutdown());
      return {};
    },
  };
}

/** Alias used by the runtime wiring. */
export const daprCoreServices = createDaprCoreService;
