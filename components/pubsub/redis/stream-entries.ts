/**
 * Stream entries as daprd writes them: field `data` holds the payload bytes; Outrigger adds a
 * `metadata` field (JSON object of strings) only when there is metadata to carry, which daprd
 * ignores. Replies are read as Buffers so payloads stay binary-safe.
 */
export interface StreamEntry {
  readonly id: string;
  readonly data: Buffer;
  readonly metadata: Record<string, string>;
}

export function entryFields(data: Buffer, metadata: Record<string, string>): Array<string | Buffer> {
  const out: Array<string | Buffer> = ['data', data];
  if (Object.keys(metadata).length > 0) out.push('metadata', JSON.stringify(metadata));
  return out;
}

function parseMetadata(raw: Buffer | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
      return out;
    }
  } catch {
    /* not ours */
  }
  return {};
}

/** One `[id, [field, value, ...]]` pair; a deleted entry (nil fields) gives undefined. */
export function parseEntry(raw: unknown): StreamEntry | undefined {
  if (!Array.isArray(raw) || raw.length < 2 || !Array.isArray(raw[1])) return undefined;
  const id = Buffer.isBuffer(raw[0]) ? raw[0].toString() : String(raw[0]);
  const fields = raw[1] as unknown[];
  let data: Buffer | undefined;
  let meta: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const k = String(fields[i]);
    const v = fields[i + 1];
    const b = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
    if (k === 'data') data = b;
    else if (k === 'metadata') meta = b;
  }
  return { id, data: data ?? Buffer.alloc(0), metadata: parseMetadata(meta) };
}

/** XREADGROUP reply: `[[stream, [entry, ...]], ...]` or null. */
export function parseReadGroup(reply: unknown): StreamEntry[] {
  const out: StreamEntry[] = [];
  if (!Array.isArray(reply)) return out;
  for (const stream of reply) {
    if (!Array.isArray(stream) || !Array.isArray(stream[1])) continue;
    for (const e of stream[1] as unknown[]) {
      const parsed = parseEntry(e);
      if (parsed) out.push(parsed);
    }
  }
  return out;
}

/** XAUTOCLAIM reply: `[next, [entry, ...], [deletedId, ...]?]`. */
export function parseAutoClaim(reply: unknown): { next: string; entries: StreamEntry[]; deleted: string[] } {
  if (!Array.isArray(reply)) return { next: '0-0', entries: [], deleted: [] };
  const next = Buffer.isBuffer(reply[0]) ? reply[0].toString() : String(reply[0] ?? '0-0');
  const entries: StreamEntry[] = [];
  for (const e of (Array.isArray(reply[1]) ? reply[1] : []) as unknown[]) {
    const parsed = parseEntry(e);
    if (parsed) entries.push(parsed);
  }
  const deleted = (Array.isArray(reply[2]) ? reply[2] : []).map((x: unknown) => (Buffer.isBuffer(x) ? x.toString() : String(x)));
  return { next, entries, deleted };
}
