/**
 * W3C Trace Context (traceparent, tracestate), the binary grpc-trace-bin form, and W3C baggage
 * validation. Ids are drawn from a pooled random buffer so an unsampled request costs two hex
 * slices, no crypto call.
 */
import { randomFillSync } from 'node:crypto';

export interface ParentContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const ZEROS: Record<number, string> = { 8: '0'.repeat(16), 16: '0'.repeat(32) };
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL_SIZE) {
      randomFillSync(pool);
      offset = 0;
    }
    const hex = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    if (hex !== ZEROS[bytes]) return hex; // all-zero ids are invalid
  }
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Parses a traceparent header; undefined when absent or invalid (then a new trace starts). */
export function parseTraceparent(value: string | string[] | undefined): ParentContext | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const m = TRACEPARENT.exec(v.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/**
 * grpc-trace-bin (OpenCensus binary format): version 0, then field 0 = trace id (16 bytes),
 * field 1 = span id (8 bytes), field 2 = options (1 byte, bit 0 = sampled). Base64 in headers.
 */
export function parseGrpcTraceBin(value: string | string[] | undefined): ParentContext | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const b = Buffer.from(v, 'base64');
  if (b.length < 29 || b[0] !== 0 || b[1] !== 0 || b[18] !== 1) return undefined;
  const traceId = b.toString('hex', 2, 18);
  const spanId = b.toString('hex', 19, 27);
  const sampled = b.length >= 29 && b[27] === 2 ? (b[28]! & 1) === 1 : false;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled };
}

export function formatGrpcTraceBin(traceId: string, spanId: string, sampled: boolean): string {
  const b = Buffer.alloc(29);
  b[0] = 0;
  b[1] = 0;
  b.write(traceId, 2, 'hex');
  b[18] = 1;
  b.write(spanId, 19, 'hex');
  b[27] = 2;
  b[28] = sampled ? 1 : 0;
  return b.toString('base64');
}

// W3C baggage: list-member = key OWS "=" OWS value *( OWS ";" OWS property ); key is a token,
// value is baggage-octets (printable ASCII without space, '"', ',', ';', '\').
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const VALUE = '[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]*';
const PROPERTY = `${TOKEN}(?:[ \\t]*=[ \\t]*${VALUE})?`;
const MEMBER = new RegExp(`^[ \\t]*${TOKEN}[ \\t]*=[ \\t]*${VALUE}(?:[ \\t]*;[ \\t]*${PROPERTY})*[ \\t]*$`);

/** True when the baggage header is well-formed (at most 8192 bytes and 180 members). */
export function validBaggage(value: string | string[] | undefined): boolean {
  if (value === undefined) return true;
  const v = Array.isArray(value) ? value.join(',') : value;
  if (v.length > 8192) return false;
  const members = v.split(',');
  if (members.length > 180) return false;
  for (const m of members) if (!MEMBER.test(m)) return false;
  return true;
}
