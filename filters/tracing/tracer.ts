/**
 * Span export with the OpenTelemetry SDK, configured from the Configuration's spec.tracing:
 * samplingRate ("1" all, "0" none; parent-based: a sampled or unsampled parent decides), and an
 * exporter: otel (OTLP over HTTP, JSON) at endpointAddress, zipkin at endpointAddress, and/or
 * stdout. The sampling decision is made first (see decideSampled) and unsampled requests never
 * touch the SDK.
 */
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
// The SDK and exporters load only when tracing exports somewhere: they are a large share of
// start-up time and memory, and most sidecars never export spans.
type SdkTraceBase = typeof import('@opentelemetry/sdk-trace-base');
const sdk = (): SdkTraceBase => require('@opentelemetry/sdk-trace-base') as SdkTraceBase;
import type { ConfigurationSpec } from '../../config/schemas/configuration';
import type { Logger } from '../../observability/logger';
import type { ParentContext } from './trace-context';

export { SpanKind };
export type { Span, Attributes };

export interface Tracing {
  /** Sampling probability 0..1 for requests without a parent. */
  readonly rate: number;
  /** True when spans are exported somewhere (else only ids are propagated). */
  readonly exporting: boolean;
  startSpan(name: string, kind: SpanKind, parent: ParentContext | undefined, attributes: Attributes): Span | undefined;
  /** Flushes and stops the exporters. */
  close(): Promise<void>;
}

/** Dapr parses samplingRate as a float; invalid or absent = 0 (no sampling). */
export function parseSamplingRate(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.min(1, n);
}

/** Parent-based ratio sampling; decided before any span work. */
export function decideSampled(rate: number, parent: ParentContext | undefined): boolean {
  if (parent) return parent.sampled;
  return rate >= 1 || (rate > 0 && Math.random() < rate);
}

function otlpUrl(address: string, secure: boolean | undefined): string {
  if (/^https?:\/\//.test(address)) return /\/v1\/traces\/?$/.test(address) ? address : address.replace(/\/+$/, '') + '/v1/traces';
  return `${secure ? 'https' : 'http'}://${address.replace(/\/+$/, '')}/v1/traces`;
}

export function createTracing(spec: ConfigurationSpec['tracing'] | undefined, serviceName: string, logger: Logger): Tracing {
  const rate = parseSamplingRate(spec?.samplingRate);
  const exporters: SpanExporter[] = [];
  const otel = spec?.otel;
  if (otel?.endpointAddress) {
    if (otel.protocol === 'grpc') {
      logger.error('tracing: otel protocol grpc is not supported by this build; set protocol: http (OTLP/HTTP JSON)');
    } else {
      const headers: Record<string, string> = {};
      for (const h of otel.headers ?? []) if (h.value !== undefined) headers[h.name] = h.value;
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      exporters.push(new OTLPTraceExporter({ url: otlpUrl(otel.endpointAddress, otel.isSecure), headers, ...(otel.timeout ? { timeoutMillis: otel.timeout } : {}) }));
    }
  }
  if (spec?.zipkin?.endpointAddress) {
    const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin') as typeof import('@opentelemetry/exporter-zipkin');
    exporters.push(new ZipkinExporter({ url: spec.zipkin.endpointAddress, serviceName }));
  }
  if (spec?.stdout) exporters.push(new (sdk().ConsoleSpanExporter)());
  if (exporters.length === 0 || rate === 0) {
    return { rate, exporting: false, startSpan: () => undefined, close: async () => undefined };
  }
  const { BasicTracerProvider, BatchSpanProcessor, AlwaysOnSampler } = sdk();
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const spanProcessors: SpanProcessor[] = exporters.map((e) => new BatchSpanProcessor(e, { scheduledDelayMillis: 500, maxExportBatchSize: 512, maxQueueSize: 8192 }));
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), sampler: new AlwaysOnSampler(), spanProcessors });
  const tracer: Tracer = provider.getTracer('outrigger');
  return {
    rate,
    exporting: true,
    startSpan(name, kind, parent, attributes) {
      const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }) : ROOT_CONTEXT;
      return tracer.startSpan(name, { kind, attributes }, ctx);
    },
    close: async () => {
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown().catch(() => undefined);
    },
  };
}
