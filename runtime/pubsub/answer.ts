/**
 * The app's answer contract, as daprd reads it.
 * HTTP, one event: 2xx with an empty or unparseable body = SUCCESS; 2xx JSON {"status"}: "SUCCESS"
 *   or "" = SUCCESS, "RETRY" = RETRY, "DROP" = DROP, anything else = RETRY; 404 = DROP; any other
 *   status (or no answer) = RETRY.
 * HTTP, bulk: 2xx {"statuses":[{entryId,status}]}: missing/empty/unknown status = RETRY; 2xx with an
 *   unparseable body, non-2xx or no answer = all RETRY; 404 = all DROP.
 * gRPC: status enum SUCCESS=0 / RETRY=1 / DROP=2 (unknown = RETRY); UNIMPLEMENTED = DROP; any
 *   other gRPC error = RETRY.
 */
export type Verdict = 'SUCCESS' | 'RETRY' | 'DROP';

function statusField(o: unknown): unknown {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  // Go's JSON decoding matches field names case-insensitively.
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (k.toLowerCase() === 'status') return v;
  return undefined;
}

function parse(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function statusWord(v: unknown): Verdict {
  if (v === 'SUCCESS' || v === '') return 'SUCCESS';
  if (v === 'DROP') return 'DROP';
  return 'RETRY';
}

export function httpVerdict(status: number | undefined, body: Buffer): Verdict {
  if (status === undefined) return 'RETRY';
  if (status >= 200 && status <= 299) {
    const p = parse(body);
    if (!p.ok) return 'SUCCESS';
    if (p.value === null) return 'SUCCESS';
    if (typeof p.value !== 'object' || Array.isArray(p.value)) return 'SUCCESS';
    const s = statusField(p.value);
    if (s === undefined || s === null) return 'SUCCESS';
    if (typeof s !== 'string') return 'SUCCESS';
    return statusWord(s);
  }
  if (status === 404) return 'DROP';
  return 'RETRY';
}

export function httpBulkVerdicts(status: number | undefined, body: Buffer, entryIds: readonly string[]): Map<string, Verdict> {
  const all = (v: Verdict): Map<string, Verdict> => new Map(entryIds.map((id) => [id, v]));
  if (status === undefined) return all('RETRY');
  if (status === 404) return all('DROP');
  if (status < 200 || status > 299) return all('RETRY');
  const p = parse(body);
  if (!p.ok || !p.value || typeof p.value !== 'object') return all('RETRY');
  const out = all('RETRY');
  const statuses = (p.value as Record<string, unknown>).statuses;
  if (!Array.isArray(statuses)) return out;
  for (const s of statuses) {
    if (!s || typeof s !== 'object') continue;
    const id = (s as Record<string, unknown>).entryId;
    if (typeof id !== 'string' || !out.has(id)) continue;
    const st = statusField(s);
    out.set(id, st === '' || st === undefined ? 'RETRY' : statusWord(st));
  }
  return out;
}

/** gRPC status numbers of TopicEventResponse. */
export function grpcStatusVerdict(status: number): Verdict {
  return status === 0 ? 'SUCCESS' : status === 2 ? 'DROP' : 'RETRY';
}

/** A failed gRPC call: UNIMPLEMENTED (12) drops, everything else retries. */
export function grpcErrorVerdict(code: number): Verdict {
  return code === 12 ? 'DROP' : 'RETRY';
}
