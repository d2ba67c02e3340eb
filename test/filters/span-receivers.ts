/**
 * Local span receivers: a real node:http server taking OTLP/HTTP JSON or Zipkin v2 JSON. (OTLP over
 * gRPC: otlp-grpc-receiver.ts, which reuses parseOtlp.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly attributes: Record<string, string | number | boolean>;
}

export interface SpanReceiver {
  readonly port: number;
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

/** OTLP JSON ids are hex; tolerate base64 from other encoders. */
function hexId(v: unknown, bytes: number): string {
  const s = String(v ?? '');
  if (s.length === bytes * 2 && /^[0-9a-f]+$/i.test(s)) return s.toLowerCase();
  return Buffer.from(s, 'base64').toString('hex');
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
function attrValue(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  return v.doubleValue ?? '';
}

/** An OTLP ExportTraceServiceRequest as JSON (ids hex, or base64 as protobufjs toObject writes bytes). */
export interface OtlpBody {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: AnyValue }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: Array<{ key: string; value: AnyValue }> }> }>;
  }>;
}

export function parseOtlp(body: OtlpBody): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = String(attrValue(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value ?? {}));
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const attributes: Record<string, string | number | boolean> = {};
        for (const a of s.attributes ?? []) attributes[a.key] = attrValue(a.value);
        const parent = s.parentSpanId ? hexId(s.parentSpanId, 8) : '';
        out.push({ traceId: hexId(s.traceId, 16), spanId: hexId(s.spanId, 8), ...(parent ? { parentSpanId: parent } : {}), name: s.name, service, kind: ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][s.kind] ?? String(s.kind), attributes });
      }
    }
  }
  return out;
}

interface ZipkinSpan { traceId: string; id: string; parentId?: string; name: string; kind?: string; localEndpoint?: { serviceName?: string }; tags?: Record<string, string> }

function parseZipkin(body: ZipkinSpan[]): ReceivedSpan[] {
  return body.map((s) => ({ traceId: s.traceId, spanId: s.id, ...(s.parentId ? { parentSpanId: s.parentId } : {}), name: s.name, service: s.localEndpoint?.serviceName ?? '', kind: s.kind ?? '', attributes: { ...(s.tags ?? {}) } }));
}

export async function startSpanReceiver(format: 'otlp' | 'zipkin'): Promise<SpanReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        spans.push(...(format === 'otlp' ? parseOtlp(body as OtlpBody) : parseZipkin(body as ZipkinSpan[])));
        res.writeHead(format === 'otlp' ? 200 : 202, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    spans,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
