/**
 * The span exporters a Configuration's spec.tracing names, each announced once at start-up with
 * its protocol and endpoint (header names only, never values): otel over OTLP/HTTP (JSON) or
 * OTLP/gRPC, zipkin (v2 JSON over HTTP), stdout. An exporter that cannot be built is logged as an
 * error and left out; the others still run. Loaded only when spans are exported at all.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ConfigurationSpec } from '../../config/schemas/configuration';
import type { Logger } from '../../observability/logger';
import { reportingExporter } from './export-reporter';
import { otlpHttpUrl, otelSecure, type OtelSpec } from './otel-endpoint';

type TracingSpec = NonNullable<ConfigurationSpec['tracing']>;

interface Built {
  readonly exporter: SpanExporter;
  /** e.g. "otlp/grpc 127.0.0.1:4317"; used in failure logs. */
  readonly label: string;
  readonly fields: Record<string, unknown>;
}

function headerNames(otel: OtelSpec): string | undefined {
  const names = (otel.headers ?? []).map((h) => h.name);
  return names.length > 0 ? names.join(',') : undefined;
}

function buildOtel(otel: OtelSpec, logger: Logger): Built | undefined {
  const protocol: string = otel.protocol ?? 'http';
  if (otel.protocol === undefined) logger.info('tracing: spec.tracing.otel.protocol not set; using http (OTLP/HTTP). Set protocol: grpc for an OTLP/gRPC collector');
  const headers = headerNames(otel);
  if (protocol === 'grpc') {
    const { createOtlpGrpcExporter } = require('./otlp-grpc-exporter') as typeof import('./otlp-grpc-exporter');
    const g = createOtlpGrpcExporter(otel);
    return { exporter: g.exporter, label: `otlp/grpc ${g.target}`, fields: { exporter: 'otlp', protocol: 'grpc', endpoint: g.target, secure: g.secure, ...(headers ? { headers } : {}) } };
  }
  if (protocol === 'http') {
    const url = otlpHttpUrl(otel);
    const httpHeaders: Record<string, string> = {};
    for (const h of otel.headers ?? []) httpHeaders[h.name] = h.value ?? '';
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    const exporter = new OTLPTraceExporter({ url, headers: httpHeaders, ...(otel.timeout ? { timeoutMillis: otel.timeout } : {}) });
    return { exporter, label: `otlp/http ${url}`, fields: { exporter: 'otlp', protocol: 'http', endpoint: url, secure: otelSecure(otel), ...(headers ? { headers } : {}) } };
  }
  // The Configuration schema rejects other values; a caller that skipped it lands here.
  logger.error(`tracing: unknown spec.tracing.otel.protocol ${JSON.stringify(protocol)} (expected "grpc" or "http"); otel export disabled`, { code: 'TRACING_UNKNOWN_PROTOCOL' });
  return undefined;
}

function buildZipkin(endpoint: string, serviceName: string): Built {
  const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin') as typeof import('@opentelemetry/exporter-zipkin');
  return { exporter: new ZipkinExporter({ url: endpoint, serviceName }), label: `zipkin ${endpoint}`, fields: { exporter: 'zipkin', protocol: 'http', endpoint } };
}

function buildStdout(): Built {
  const { ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  return { exporter: new ConsoleSpanExporter(), label: 'stdout', fields: { exporter: 'stdout' } };
}

export function createSpanExporters(spec: TracingSpec, serviceName: string, samplingRate: number, logger: Logger): SpanExporter[] {
  const steps: Array<[string, () => Built | undefined]> = [];
  const otel = spec.otel;
  if (otel?.endpointAddress) steps.push(['otel', () => buildOtel(otel, logger)]);
  const zipkin = spec.zipkin?.endpointAddress;
  if (zipkin) steps.push(['zipkin', () => buildZipkin(zipkin, serviceName)]);
  if (spec.stdout) steps.push(['stdout', buildStdout]);
  const out: SpanExporter[] = [];
  for (const [name, build] of steps) {
    try {
      const built = build();
      if (!built) continue;
      logger.info(`tracing: exporting spans to ${built.label}`, { ...built.fields, samplingRate });
      out.push(reportingExporter(built.exporter, built.label, logger));
    } catch (err) {
      logger.error(`tracing: the ${name} exporter could not be created; its spans are not exported`, { code: 'TRACING_EXPORTER_FAILED', error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
