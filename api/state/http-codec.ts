/**
 * Decoding of the state items the HTTP API receives ({key, value, etag, metadata, options}) and
 * embedding of stored bytes as raw JSON in responses.
 */
import type { DaprError } from '../../errors/dapr-error';
import type { StateOptions } from '../../components/state/contract';
import type { SaveItem } from './state-api';
import { StateErrors } from './errors';

export function decodeOptions(raw: { concurrency?: unknown; consistency?: unknown } | undefined): StateOptions | undefined | DaprError {
  if (!raw) return undefined;
  const out: { concurrency?: StateOptions['concurrency']; consistency?: StateOptions['consistency'] } = {};
  const { concurrency, consistency } = raw;
  if (concurrency !== undefined && concurrency !== '' && concurrency !== null) {
    if (concurrency !== 'first-write' && concurrency !== 'last-write') return StateErrors.malformed(`invalid concurrency setting ${String(concurrency)}`);
    out.concurrency = concurrency;
  }
  if (consistency !== undefined && consistency !== '' && consistency !== null) {
    if (consistency !== 'strong' && consistency !== 'eventual') return StateErrors.malformed(`invalid consistency setting ${String(consistency)}`);
    out.consistency = consistency;
  }
  return out.concurrency || out.consistency ? out : undefined;
}

/** One save item (or a transaction request); query metadata is merged over item metadata. */
export function decodeSaveItem(raw: unknown, queryMetadata: Record<string, string>): SaveItem | DaprError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return StateErrors.malformed('failed deserializing HTTP body: each state item must be an object');
  const r = raw as { key?: unknown; value?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
  if (r.key !== undefined && typeof r.key !== 'string') return StateErrors.malformed('failed deserializing HTTP body: "key" must be a string');
  const item: SaveItem = { key: (r.key as string | undefined) ?? '', value: Buffer.from(JSON.stringify(r.value === undefined ? null : r.value), 'utf8') };
  if (typeof r.etag === 'string' || typeof r.etag === 'number') item.etag = String(r.etag);
  const md: Record<string, string> = {};
  if (typeof r.metadata === 'object' && r.metadata !== null) {
    for (const [k, v] of Object.entries(r.metadata)) if (v !== undefined && v !== null) md[k] = typeof v === 'string' ? v : String(v);
  }
  Object.assign(md, queryMetadata);
  if (Object.keys(md).length > 0) item.metadata = md;
  const options = decodeOptions(typeof r.options === 'object' && r.options !== null ? (r.options as { concurrency?: unknown; consistency?: unknown }) : undefined);
  if (options && 'kind' in options) return options;
  if (options) item.options = options;
  return item;
}

/** Stored bytes as a JSON fragment: the bytes themselves when they are JSON, else a JSON string. */
export function rawJson(data: Buffer): string {
  const text = data.toString('utf8');
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}
