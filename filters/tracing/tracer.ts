/**
 * Span export with the OpenTelemetry SDK, configured from the Configuration's spec.tracing:
 * samplingRate ("1" all, "0" none; parent-based: a sampled or unsampled parent decides), and the
 * exporters of exporters.ts: otel (OTLP/HTTP JSON or OTLP/gRPC, by `protocol`) at endpointAddress,
 * zipkin at endpointAddress, and/or stdout. The sampling decision is made first (see
 * decideSampled) and unsampled requests never touch the SDK.
 */
import type { Attributes, Span, Tracer, SpanKind as OtelSpanKind, SpanStatusCode as OtelSpanStatusCode } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
// The SDK and exporters load only when tracing exports somewhere: they are a large share of
// start-up time and memory, and most sidecars never export spans.
type SdkTraceBase = typeof import('@opentelemetry/sdk-trace-base');
const sdk = (): SdkTraceBase => require('@opentelemetry/sdk-trace-base') as SdkTraceBase;
import type { ConfigurationSpec } from '../../config/schemas/configuration';
import type { Logger } from '../../observability/logger';
import type { ParentContext } from './trace-context';

export type { Span, Attributes };

/**
 * OpenTelemetry's SpanKind and SpanStatusCode values, declared here so that @opentelemetry/api
 * itself loads only when spans are exported (test/filters checks they equal the API's).
 */
export const SpanKind = {
  INTERNAL: 0 as OtelSpanKind.INTERNAL, SERVER: 1 as OtelSpanKind.SERVER, CLIENT: 2 as OtelSpanKind.CLIENT,
  PRODUCER: 3 as OtelSpanKind.PRODUCER, CONSUMER: 4 as OtelSpanKind.CONSUMER,
} as const;
export type SpanKind = OtelSpanKind;
export const SpanStatusCode = { UNSET: 0 as OtelSpanStatusCode.UNSET, OK: 1 as OtelSpanStatusCode.OK, ERROR: 2 as OtelSpanStatusCode.ERROR } as const;
export type SpanStatusCode = OtelSpanStatusCode;

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

/** True when spec.tracing names somewhere to send spans. */
function exportConfigured(spec: NonNullable<ConfigurationSpec['tracing']>): boolean {
  return Boolean(spec.otel?.endpointAddress || spec.zipkin?.endpointAddress || spec.stdout);
}

const notExporting = (rate: number): Tracing => ({ rate, exporting: false, startSpan: () => undefined, close: async () => undefined });

export function createTracing(spec: ConfigurationSpec['tracing'] | undefined, serviceName: string, logger: Logger): Tracing {
  const rate = parseSamplingRate(spec?.samplingRate);
  if (!spec || !exportConfigured(spec)) return notExporting(rate);
  if (rate === 0) {
    logger.info('tracing: samplingRate is 0 (or not set); spans are not exported, trace context is still propagated');
    return notExporting(rate);
  }
  // exporters.ts (and through it the SDK and the exporter packages) loads only past this point.
  const { createSpanExporters } = require('./exporters') as typeof import('./exporters');
  const exporters = createSpanExporters(spec, serviceName, rate, logger);
  if (exporters.length === 0) return notExporting(rate);
  const { BasicTracerProvider, BatchSpanProcessor, AlwaysOnSampler } = sdk();
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const spanProcessors: SpanProcessor[] = exporters.map((e) => new BatchSpanProcessor(e, { scheduledDelayMillis: 500, maxExportBatchSize: 512, maxQueueSize: 8192 }));
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), sampler: new AlwaysOnSampler(), spanProcessors });
  const tracer: Tracer = provider.getTracer('outrigger');
  const { ROOT_CONTEXT, TraceFlags, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
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
