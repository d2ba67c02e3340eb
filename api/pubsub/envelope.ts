/**
 * CloudEvents 1.0 envelopes built as daprd builds them (components-contrib NewCloudEventsEnvelope /
 * FromCloudEvent, dapr NewCloudEvent): defaults, `cloudevent.*` overrides, data encoding by content
 * type, TTL as `expiration`, and Go's JSON rendering (map keys sorted, HTML characters escaped).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isBinaryContentType, isCloudEventContentType, isJsonContentType } from './content-type';

export type CloudEvent = Record<string, unknown>;

export const DEFAULT_SOURCE = 'Dapr';
export const DEFAULT_TYPE = 'com.dapr.event.sent';
export const DEFAULT_BULK_TYPE = 'com.dapr.event.sent.bulk';
export const DEFAULT_DATA_CONTENT_TYPE = 'text/plain';
export const SPEC_VERSION = '1.0';

/** What a publish request contributes to a new envelope. */
export interface EnvelopeInput {
  readonly topic: string;
  readonly pubsub: string;
  /** The publisher's app id (becomes `source`). */
  readonly source: string;
  readonly data: Buffer;
  readonly dataContentType?: string;
  readonly traceParent?: string;
  readonly traceState?: string;
  /** Request metadata; `cloudevent.*` keys (case-insensitive) override envelope fields. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export type EnvelopeResult = { readonly ok: true; readonly event: CloudEvent } | { readonly ok: false; readonly message: string };

/** RFC 3339 with second precision in UTC, as Go's time.RFC3339 prints a UTC time. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh W3C traceparent (used when the publisher sent none). */
export function newTraceParent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

const OVERRIDES = ['id', 'source', 'type', 'subject', 'traceid', 'traceparent', 'tracestate'] as const;
type Override = (typeof OVERRIDES)[number];

/** `cloudevent.<field>` overrides found in metadata (keys matched case-insensitively, as mapstructure does). */
export function cloudEventOverrides(md: Readonly<Record<string, string>> | undefined): Partial<Record<Override, string>> {
  const out: Partial<Record<Override, string>> = {};
  if (!md) return out;
  for (const [k, v] of Object.entries(md)) {
    const lower = k.toLowerCase();
    if (!lower.startsWith('cloudevent.')) continue;
    const field = lower.slice('cloudevent.'.length) as Override;
    if ((OVERRIDES as readonly string[]).includes(field) && v !== '') out[field] = v;
  }
  return out;
}

/** Metadata without the `cloudevent.*` overrides (what the component receives). */
export function withoutOverrides(md: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) if (!k.toLowerCase().startsWith('cloudevent.')) out[k] = v;
  return out;
}

/** Encodes `data` by content type: JSON types parsed (string when unparseable), octet-stream base64. */
function setData(ce: CloudEvent, data: Buffer, ct: string): void {
  if (isJsonContentType(ct)) {
    try {
      ce.data = JSON.parse(data.toString('utf8'));
    } catch {
      ce.data = data.toString('utf8');
    }
  } else if (isBinaryContentType(ct)) {
    ce.data_base64 = data.toString('base64');
  } else {
    ce.data = data.toString('utf8');
  }
}

/** A new envelope around a payload (NewCloudEventsEnvelope + overrides). */
export function newEnvelope(input: EnvelopeInput, now = new Date()): CloudEvent {
  const o = cloudEventOverrides(input.metadata);
  const ct = input.dataContentType || DEFAULT_DATA_CONTENT_TYPE;
  const traceParent = o.traceparent ?? o.traceid ?? input.traceParent ?? '';
  const ce: CloudEvent = {
    id: o.id ?? randomUUID(),
    specversion: SPEC_VERSION,
    datacontenttype: ct,
    source: o.source ?? (input.source || DEFAULT_SOURCE),
    type: o.type ?? DEFAULT_TYPE,
    topic: input.topic,
    pubsubname: input.pubsub,
    traceid: traceParent,
    traceparent: traceParent,
    tracestate: o.tracestate ?? input.traceState ?? '',
    time: rfc3339(now),
  };
  if (o.subject) ce.subject = o.subject;
  setData(ce, input.data, ct);
  return ce;
}

/** A ready CloudEvent from the publisher: topic/pubsubname overwritten, missing fields filled. */
export function fromCloudEvent(input: EnvelopeInput, now = new Date()): EnvelopeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.data.toString('utf8'));
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, message: 'the cloud event is not a JSON object' };
  const ce = parsed as CloudEvent;
  ce.topic = input.topic;
  ce.pubsubname = input.pubsub;
  const tp = input.traceParent ?? '';
  if (ce.traceid === undefined) ce.traceid = tp;
  if (ce.traceparent === undefined) ce.traceparent = tp;
  if (ce.tracestate === undefined) ce.tracestate = input.traceState ?? '';
  if (ce.source === undefined || ce.source === null) ce.source = DEFAULT_SOURCE;
  if (ce.type === undefined || ce.type === null) ce.type = DEFAULT_TYPE;
  if (ce.specversion === undefined || ce.specversion === null) ce.specversion = SPEC_VERSION;
  if (ce.time === undefined) ce.time = rfc3339(now);
  return { ok: true, event: ce };
}

/** NewCloudEvent: passthrough for application/cloudevents+json, else a new envelope. */
export function buildEnvelope(input: EnvelopeInput, now = new Date()): EnvelopeResult {
  if (input.dataContentType && isCloudEventContentType(input.dataContentType)) return fromCloudEvent(input, now);
  return { ok: true, event: newEnvelope(input, now) };
}

/** `ttlInSeconds` from metadata: seconds, undefined when absent, an error text when invalid. */
export function ttlSeconds(md: Readonly<Record<string, string>>): number | undefined | string {
  const raw = md.ttlInSeconds;
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) return `ttlInSeconds value must be a valid integer: actual is '${raw}'`;
  return Number(raw.trim());
}

/** ApplyMetadata: without native MESSAGE_TTL, a TTL becomes the CE `expiration` (RFC 3339). */
export function applyTtl(ce: CloudEvent, features: readonly string[], md: Readonly<Record<string, string>>, now = new Date()): void {
  const ttl = ttlSeconds(md);
  if (typeof ttl !== 'number' || features.includes('MESSAGE_TTL')) return;
  ce.expiration = rfc3339(new Date(now.getTime() + ttl * 1000));
}

/** True when the event carries an `expiration` in the past. */
export function hasExpired(ce: CloudEvent, now = Date.now()): boolean {
  const exp = ce.expiration;
  if (typeof exp !== 'string' || exp === '') return false;
  const t = Date.parse(exp);
  return Number.isFinite(t) && t < now;
}

/** The CE daprd builds on the subscriber side for a rawPayload subscription. */
export function fromRawPayload(data: Buffer, topic: string, pubsub: string): CloudEvent {
  return {
    id: randomUUID(),
    specversion: SPEC_VERSION,
    datacontenttype: 'application/octet-stream',
    source: DEFAULT_SOURCE,
    type: DEFAULT_TYPE,
    topic,
    pubsubname: pubsub,
    data_base64: data.toString('base64'),
  };
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (Buffer.isBuffer(v)) return v.toString('base64'); // Go encodes []byte as base64
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = sortDeep(o[k]);
    return out;
  }
  return v;
}

/** JSON as Go's encoding/json writes a map: keys sorted, <, >, &, U+2028 and U+2029 escaped. */
export function goJson(v: unknown): string {
  return JSON.stringify(sortDeep(v))
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function encodeEvent(ce: CloudEvent): Buffer {
  return Buffer.from(goJson(ce), 'utf8');
}
