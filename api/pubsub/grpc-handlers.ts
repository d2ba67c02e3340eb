/**
 * gRPC head of the publishing API (dapr.proto.runtime.v1.Dapr): PublishEvent and BulkPublishEventAlpha1
 * (the stable BulkPublishEvent joins once the bundled Dapr protos describe it). Bulk publish answers OK with the failed entries listed, as daprd does;
 * validation and permission failures are gRPC errors with Dapr's rich details.
 */
import type { HandlerContext } from '@connectrpc/connect';
import type { BulkPublishRequest } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import type { PubsubApi, Result, TraceInput } from './pubsub-api';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw connectErrorFromDaprError(r.error);
  return r.value;
}

export function grpcTrace(ctx: HandlerContext): TraceInput {
  const tp = ctx.requestHeader.get('traceparent');
  const ts = ctx.requestHeader.get('tracestate');
  return { ...(tp ? { traceParent: tp } : {}), ...(ts ? { traceState: ts } : {}) };
}

function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export function publishGrpcHandlers(api: PubsubApi): DaprServicePart {
  const bulk = async (req: BulkPublishRequest, ctx: HandlerContext) => {
    const failed = unwrap(await api.bulkPublish({
      pubsub: req.pubsubName,
      topic: req.topic,
      metadata: { ...req.metadata },
      entries: req.entries.map((e) => ({ entryId: e.entryId, event: buf(e.event), contentType: e.contentType, metadata: { ...e.metadata } })),
      ...grpcTrace(ctx),
    }));
    return { failedEntries: failed.map((f) => ({ entryId: f.entryId, error: f.error })) };
  };
  return {
    async publishEvent(req, ctx) {
      unwrap(await api.publish({
        pubsub: req.pubsubName,
        topic: req.topic,
        data: buf(req.data),
        ...(req.dataContentType ? { contentType: req.dataContentType } : {}),
        metadata: { ...req.metadata },
        ...grpcTrace(ctx),
      }));
      return {};
    },
    bulkPublishEventAlpha1: bulk,
  };
}
