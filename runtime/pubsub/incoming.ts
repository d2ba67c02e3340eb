/**
 * A broker message as the subscriber side sees it (daprd's subscription handler): the CloudEvent
 * (parsed from the message, rebuilt for rawPayload subscriptions, or assembled from `ce_*`
 * metadata for binary messages), the bytes the app receives, and the metadata that becomes headers.
 */
import type { PubsubMessage } from '../../components/pubsub/contract';
import { fromRawPayload, goJson, type CloudEvent } from '../../api/pubsub/envelope';
import { isBinaryContentType } from '../../api/pubsub/content-type';

export interface IncomingEvent {
  readonly cloudEvent: CloudEvent;
  /** What an HTTP app receives as the body (the original bytes unless rawPayload rebuilt the CE). */
  readonly data: Buffer;
  /** Broker metadata plus `pubsubName` and `content-type`. */
  readonly metadata: Record<string, string>;
  /** The topic as the app names it (namespace prefix removed). */
  readonly topic: string;
}

export type IncomingResult = { readonly ok: true; readonly event: IncomingEvent } | { readonly ok: false; readonly message: string };

export interface IncomingOptions {
  readonly pubsubName: string;
  readonly rawPayload: boolean;
  /** Namespace prefix to strip from broker topics ('' for none). */
  readonly namespacePrefix: string;
}

function traceFromMetadata(ce: CloudEvent, md: Readonly<Record<string, string>>, onlyMissing: boolean): void {
  const set = (k: string, v: string | undefined): void => {
    if (v === undefined) return;
    if (onlyMissing && ce[k] !== undefined) return;
    ce[k] = v;
  };
  set('traceid', md.traceid);
  if (md.traceparent !== undefined && (!onlyMissing || ce.traceparent === undefined)) {
    ce.traceparent = md.traceparent;
    ce.traceid = md.traceparent; // traceparent supersedes traceid
  }
  set('tracestate', md.tracestate);
}

export function readIncoming(msg: PubsubMessage, opts: IncomingOptions): IncomingResult {
  const metadata: Record<string, string> = { ...msg.metadata };
  if (msg.contentType) metadata['content-type'] = msg.contentType;
  const contentType = metadata['content-type'] ?? 'application/json';
  metadata.pubsubName = opts.pubsubName;
  const topic = opts.namespacePrefix && msg.topic.startsWith(opts.namespacePrefix) ? msg.topic.slice(opts.namespacePrefix.length) : msg.topic;
  if (opts.rawPayload) {
    const ce = fromRawPayload(msg.data, topic, opts.pubsubName);
    traceFromMetadata(ce, msg.metadata, false);
    return { ok: true, event: { cloudEvent: ce, data: Buffer.from(goJson(ce), 'utf8'), metadata, topic } };
  }
  if (isBinaryContentType(contentType)) {
    const ce: CloudEvent = {};
    for (const [k, v] of Object.entries(msg.metadata)) {
      const lower = k.toLowerCase();
      if (lower.startsWith('ce_')) ce[lower.slice(3)] = v;
    }
    ce.data = msg.data;
    ce.datacontenttype = contentType;
    return { ok: true, event: { cloudEvent: ce, data: msg.data, metadata, topic } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(msg.data.toString('utf8'));
  } catch (e) {
    return { ok: false, message: `error deserializing cloud event in pubsub ${opts.pubsubName} and topic ${topic}: ${(e as Error).message}` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, message: `error deserializing cloud event in pubsub ${opts.pubsubName} and topic ${topic}: not a JSON object` };
  }
  const ce = parsed as CloudEvent;
  traceFromMetadata(ce, msg.metadata, true);
  return { ok: true, event: { cloudEvent: ce, data: msg.data, metadata, topic } };
}
