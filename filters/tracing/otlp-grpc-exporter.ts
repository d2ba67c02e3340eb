/**
 * OTLP over gRPC (`spec.tracing.otel.protocol: grpc`) with the official
 * @opentelemetry/exporter-trace-otlp-grpc exporter: `isSecure` false is a plaintext channel, true
 * (or absent) TLS against grpc-js's trusted roots (Node's store plus NODE_EXTRA_CA_CERTS, or the
 * file GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names, which replaces them); `headers`
 * go as gRPC metadata on every Export call. Loaded only when a Configuration asks for it.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { otelHostPort, otelSecure, type OtelSpec } from './otel-endpoint';

export interface OtlpGrpcExporter {
  readonly exporter: SpanExporter;
  /** host:port the channel connects to. */
  readonly target: string;
  readonly secure: boolean;
}

export function createOtlpGrpcExporter(otel: OtelSpec): OtlpGrpcExporter {
  const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
  const target = otelHostPort(otel.endpointAddress ?? '');
  const secure = otelSecure(otel);
  const metadata = new grpc.Metadata();
  for (const h of otel.headers ?? []) metadata.set(h.name, h.value ?? '');
  const exporter = new OTLPTraceExporter({
    url: `${secure ? 'https' : 'http'}://${target}`,
    credentials: secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
    metadata,
    ...(otel.timeout ? { timeoutMillis: otel.timeout } : {}),
  });
  return { exporter, target, secure };
}
