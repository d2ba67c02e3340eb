/**
 * Delivery to an HTTP app: POST <path> with Content-Type application/cloudevents+json and the event
 * bytes; each broker metadata entry becomes a header (content-length/content-type skipped), plus the
 * event's traceparent/tracestate. Bulk: POST <path> with application/json
 * {id, type: com.dapr.event.sent.bulk, topic, pubsubname, metadata, entries[{entryId, event, contentType, metadata}]}.
 */
import { randomUUID } from 'node:crypto';
import type { AppChannel } from '../app-channel/contract';
import { isDaprError } from '../../errors/dapr-error';
import { DEFAULT_BULK_TYPE, goJson } from '../../api/pubsub/envelope';
import { CLOUD_EVENT_CONTENT_TYPE } from '../../api/pubsub/content-type';
import { httpBulkVerdicts, httpVerdict, type Verdict } from './answer';
import { ceString, type BulkDelivery, type DeliveryMessage, type Postman } from './postman';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SKIP = new Set(['content-length', 'content-type', 'host', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer']);

/** Broker metadata -> request headers, dropping names/values HTTP cannot carry. */
export function metadataHeaders(md: Readonly<Record<string, string>>, ce?: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) {
    if (!TOKEN.test(k) || SKIP.has(k.toLowerCase()) || /[\r\n\0]/.test(v)) continue;
    out[k] = v;
  }
  if (ce) {
    const tp = ceString(ce, 'traceparent') || ceString(ce, 'traceid');
    if (tp && !/[\r\n\0]/.test(tp)) out.traceparent = tp;
    const ts = ceString(ce, 'tracestate');
    if (ts && !/[\r\n\0]/.test(ts)) out.tracestate = ts;
  }
  return out;
}

function routePath(p: string): string {
  return p.startsWith('/') ? p : `/${p}`;
}

export class HttpPostman implements Postman {
  constructor(private readonly channel: AppChannel) {}

  async deliver(m: DeliveryMessage): Promise<Verdict> {
    const res = await this.channel.call({
      path: routePath(m.path), verb: 'POST', query: '', body: m.event.data, contentType: CLOUD_EVENT_CONTENT_TYPE,
      headers: metadataHeaders(m.event.metadata, m.event.cloudEvent),
    });
    if (isDaprError(res)) return 'RETRY';
    return httpVerdict(res.status, res.body);
  }

  async deliverBulk(b: BulkDelivery): Promise<Map<string, Verdict>> {
    const entries = b.entries.map((e) => {
      const eventValue = b.rawPayload ? e.raw.toString('base64') : e.event.cloudEvent;
      return { entryId: e.entryId, event: eventValue, contentType: b.rawPayload ? 'application/octet-stream' : CLOUD_EVENT_CONTENT_TYPE, metadata: e.event.metadata };
    });
    const envelope = { id: randomUUID(), type: DEFAULT_BULK_TYPE, topic: b.topic, pubsubname: b.pubsubName, metadata: {}, entries };
    const first = b.entries[0];
    const res = await this.channel.call({
      path: routePath(b.path), verb: 'POST', query: '', body: Buffer.from(goJson(envelope), 'utf8'), contentType: 'application/json',
      headers: metadataHeaders({ pubsubName: b.pubsubName }, first?.event.cloudEvent),
    });
    const ids = b.entries.map((e) => e.entryId);
    if (isDaprError(res)) return httpBulkVerdicts(undefined, Buffer.alloc(0), ids);
    return httpBulkVerdicts(res.status, res.body, ids);
  }
}
