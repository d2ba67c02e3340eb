/**
 * Delivery to a gRPC app: AppCallback/OnTopicEvent with a TopicEventRequest built from the
 * CloudEvent (data decoded per datacontenttype, the remaining CE fields as `extensions`); bulk via
 * OnBulkTopicEvent, falling back to AppCallbackAlpha/OnBulkTopicEventAlpha1 on UNIMPLEMENTED.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import type {
  ListTopicSubscriptionsResponse, TopicEventBulkRequestSchema, TopicEventBulkResponse, TopicEventRequestSchema, TopicEventResponse, TopicEventCERequestSchema,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb';
import type { AppGrpcResult } from '../app-channel/grpc-app-channel';
import { DEFAULT_BULK_TYPE } from '../../api/pubsub/envelope';
import { isCloudEventContentType, isJsonContentType, isStringContentType } from '../../api/pubsub/content-type';
import { grpcErrorVerdict, grpcStatusVerdict, type Verdict } from './answer';
import { ceString, type BulkDelivery, type DeliveryMessage, type Postman } from './postman';
import { randomUUID } from 'node:crypto';

type TopicEventInit = MessageInitShape<typeof TopicEventRequestSchema>;
type BulkInit = MessageInitShape<typeof TopicEventBulkRequestSchema>;
type CeInit = MessageInitShape<typeof TopicEventCERequestSchema>;

/** The AppCallback calls pub/sub needs (GrpcAppChannel implements them). */
export interface GrpcAppCallbacks {
  listTopicSubscriptions(): Promise<AppGrpcResult<ListTopicSubscriptionsResponse>>;
  onTopicEvent(req: TopicEventInit): Promise<AppGrpcResult<TopicEventResponse>>;
  /** AppCallbackAlpha/OnBulkTopicEventAlpha1 (what the JS SDK implements). */
  onBulkTopicEvent(req: BulkInit): Promise<AppGrpcResult<TopicEventBulkResponse>>;
  /** Optional stable AppCallback/OnBulkTopicEvent; tried first when present. */
  onBulkTopicEventStable?(req: BulkInit): Promise<AppGrpcResult<TopicEventBulkResponse>>;
}

const NOT_EXTENSIONS = new Set(['id', 'source', 'datacontenttype', 'type', 'specversion', 'data', 'data_base64']);

/** The event payload bytes: data_base64 decoded, strings as UTF-8, JSON re-encoded. */
export function ceDataBytes(ce: Record<string, unknown>): Uint8Array {
  const b64 = ce.data_base64;
  if (typeof b64 === 'string') return Buffer.from(b64, 'base64');
  const data = ce.data;
  if (data === undefined || data === null) return new Uint8Array(0);
  if (Buffer.isBuffer(data)) return data;
  const ct = ceString(ce, 'datacontenttype');
  if (typeof data === 'string' && (isStringContentType(ct) || !(isJsonContentType(ct) || isCloudEventContentType(ct)))) return Buffer.from(data, 'utf8');
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function extensions(ce: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(ce)) {
    if (NOT_EXTENSIONS.has(k) || v === undefined) continue;
    out[k] = Buffer.isBuffer(v) ? v.toString('base64') : (JSON.parse(JSON.stringify(v)) as JsonObject[string]);
  }
  return out;
}

export function topicEventRequest(m: DeliveryMessage): TopicEventInit {
  const ce = m.event.cloudEvent;
  return {
    id: ceString(ce, 'id'), source: ceString(ce, 'source'), type: ceString(ce, 'type'), specVersion: ceString(ce, 'specversion'),
    dataContentType: ceString(ce, 'datacontenttype'), data: ceDataBytes(ce), topic: m.event.topic, pubsubName: m.pubsubName,
    path: m.path, extensions: extensions(ce),
  };
}

function ceRequest(ce: Record<string, unknown>): CeInit {
  return {
    id: ceString(ce, 'id'), source: ceString(ce, 'source'), type: ceString(ce, 'type'), specVersion: ceString(ce, 'specversion'),
    dataContentType: ceString(ce, 'datacontenttype'), data: ceDataBytes(ce), extensions: extensions(ce),
  };
}

export class GrpcPostman implements Postman {
  constructor(private readonly app: GrpcAppCallbacks) {}

  async deliver(m: DeliveryMessage): Promise<Verdict> {
    const r = await this.app.onTopicEvent(topicEventRequest(m));
    return r.ok ? grpcStatusVerdict(r.value.status) : grpcErrorVerdict(r.code);
  }

  async deliverBulk(b: BulkDelivery): Promise<Map<string, Verdict>> {
    const req: BulkInit = {
      id: randomUUID(), type: DEFAULT_BULK_TYPE, topic: b.topic, pubsubName: b.pubsubName, path: b.path, metadata: { pubsubName: b.pubsubName },
      entries: b.entries.map((e) => ({
        entryId: e.entryId, contentType: b.rawPayload ? e.contentType || 'application/octet-stream' : 'application/cloudevents+json', metadata: e.event.metadata,
        event: b.rawPayload ? { case: 'bytes' as const, value: e.raw } : { case: 'cloudEvent' as const, value: ceRequest(e.event.cloudEvent) },
      })),
    };
    let r = this.app.onBulkTopicEventStable ? await this.app.onBulkTopicEventStable(req) : undefined;
    if (!r || (!r.ok && r.code === 12)) r = await this.app.onBulkTopicEvent(req);
    const out = new Map<string, Verdict>(b.entries.map((e) => [e.entryId, 'RETRY']));
    if (!r.ok) {
      const v = grpcErrorVerdict(r.code);
      for (const id of out.keys()) out.set(id, v);
      return out;
    }
    for (const s of r.value.statuses) if (out.has(s.entryId)) out.set(s.entryId, grpcStatusVerdict(s.status));
    return out;
  }
}
