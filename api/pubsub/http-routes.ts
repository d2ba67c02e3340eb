/**
 * HTTP head of the publishing API:
 *   POST|PUT /v1.0/publish/{pubsub}/{topic...}                    -> 204
 *   POST|PUT /v1.0-alpha1/publish/bulk/{pubsub}/{topic...} (+ /v1.0/) -> 204, or 500 with failedEntries
 * The topic is everything after the pubsub name (it may contain "/").
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import { metadataFromQuery, readBody, sendJson, sendNoContent, goField } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { isDaprError } from '../../errors/dapr-error';
import { PubsubErrors } from './errors';
import type { BulkEntryInput, PubsubApi, TraceInput } from './pubsub-api';
import { isBinaryContentType, isCloudEventContentType, isJsonContentType, isStringContentType } from './content-type';

function header(ex: Exchange, name: string): string | undefined {
  const v = ex.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function traceOf(ex: Exchange): TraceInput {
  const tp = header(ex, 'traceparent');
  const ts = header(ex, 'tracestate');
  return { ...(tp ? { traceParent: tp } : {}), ...(ts ? { traceState: ts } : {}) };
}

/** The wildcard part of the path: the topic (decoded, may contain "/"). */
function topicOf(ex: Exchange): string {
  const raw = ex.route?.params['*'] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** daprd's ConvertEventToBytes: the JSON `event` of a bulk entry -> bytes, by content type. */
export function bulkEventBytes(event: unknown, contentType: string): Buffer | string {
  if (isBinaryContentType(contentType)) {
    if (typeof event !== 'string') return 'unable to convert event to string';
    return Buffer.from(event, 'base64');
  }
  if (isStringContentType(contentType)) {
    if (typeof event !== 'string') return 'unable to convert event to string';
    return Buffer.from(event, 'utf8');
  }
  if (isJsonContentType(contentType) || isCloudEventContentType(contentType)) return Buffer.from(JSON.stringify(event ?? null), 'utf8');
  if (contentType === '') return typeof event === 'string' ? Buffer.from(event, 'utf8') : Buffer.from(JSON.stringify(event ?? null), 'utf8');
  return 'mismatch between contentType and event';
}

export function pubsubRoutes(api: PubsubApi): ApiRouteDef[] {
  const limit = api.deps.maxBodySize;
  const appId = api.deps.appId;

  const publish = async (ex: Exchange): Promise<void> => {
    const pubsub = ex.route?.params.pubsub ?? '';
    const topic = topicOf(ex);
    const r = api.resolve(pubsub, topic);
    if (!r.ok) return sendLocalReply(ex, r.error);
    const body = await readBody(ex, limit);
    if (isDaprError(body)) return sendLocalReply(ex, body);
    const ct = header(ex, 'content-type');
    const res = await api.publish({ pubsub, topic, data: body, ...(ct ? { contentType: ct } : {}), metadata: metadataFromQuery(ex.query), ...traceOf(ex) });
    if (!res.ok) return sendLocalReply(ex, res.error);
    sendNoContent(ex.res);
  };

  const bulk = async (ex: Exchange): Promise<void> => {
    const pubsub = ex.route?.params.pubsub ?? '';
    const topic = topicOf(ex);
    const r = api.resolve(pubsub, topic);
    if (!r.ok) return sendLocalReply(ex, r.error);
    const body = await readBody(ex, limit);
    if (isDaprError(body)) return sendLocalReply(ex, body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return sendLocalReply(ex, PubsubErrors.eventsSer(appId, pubsub, topic, (e as Error).message));
    }
    if (!Array.isArray(parsed)) return sendLocalReply(ex, PubsubErrors.eventsSer(appId, pubsub, topic, 'the body must be a JSON array of entries'));
    const entries: BulkEntryInput[] = [];
    for (const raw of parsed) {
      if (!raw || typeof raw !== 'object') return sendLocalReply(ex, PubsubErrors.eventsSer(appId, pubsub, topic, 'each entry must be a JSON object'));
      const o = raw as Record<string, unknown>;
      const ct = goField(o, 'contentType');
      const contentType = typeof ct === 'string' ? ct : '';
      const bytes = bulkEventBytes(goField(o, 'event'), contentType);
      if (typeof bytes === 'string') return sendLocalReply(ex, PubsubErrors.eventsSer(appId, pubsub, topic, bytes));
      const md: Record<string, string> = {};
      const rawMd = goField(o, 'metadata');
      if (rawMd && typeof rawMd === 'object') for (const [k, v] of Object.entries(rawMd as Record<string, unknown>)) if (typeof v === 'string') md[k] = v;
      const entryId = goField(o, 'entryId');
      entries.push({ entryId: typeof entryId === 'string' ? entryId : '', event: bytes, contentType, metadata: md });
    }
    const res = await api.bulkPublish({ pubsub, topic, entries, metadata: metadataFromQuery(ex.query), ...traceOf(ex) });
    if (!res.ok) return sendLocalReply(ex, res.error);
    if (res.value.length > 0) return sendJson(ex.res, 500, { failedEntries: res.value, errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE' });
    sendNoContent(ex.res);
  };

  return [
    { methods: ['POST', 'PUT'], path: '/v1.0/publish/bulk/:pubsub/*', api: 'publish', version: 'v1', handler: bulk },
    { methods: ['POST', 'PUT'], path: '/v1.0-alpha1/publish/bulk/:pubsub/*', api: 'publish', version: 'v1alpha1', handler: bulk },
    { methods: ['POST', 'PUT'], path: '/v1.0/publish/:pubsub/*', api: 'publish', version: 'v1', handler: publish },
    { methods: ['POST', 'PUT'], path: '/v1.0/publish/:pubsub', api: 'publish', version: 'v1', handler: publish },
  ];
}
