/**
 * Reading `spec.tracing.otel`: whether the connection is secure, and the target each OTLP
 * transport wants (a /v1/traces URL for OTLP/HTTP, host:port for OTLP/gRPC).
 */
import type { ConfigurationSpec } from '../../config/schemas/configuration';

export type OtelSpec = NonNullable<NonNullable<ConfigurationSpec['tracing']>['otel']>;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** `isSecure` when given; else an explicit http:// or https:// scheme; else secure, as Dapr defaults. */
export function otelSecure(otel: OtelSpec): boolean {
  if (otel.isSecure !== undefined) return otel.isSecure;
  const scheme = SCHEME.exec(otel.endpointAddress ?? '')?.[1]?.toLowerCase();
  return scheme !== 'http';
}

/** host[:port] of an endpoint written with or without a scheme and a path. */
export function otelHostPort(address: string): string {
  return address.trim().replace(SCHEME, '').replace(/\/.*$/, '');
}

/** OTLP/HTTP: an http(s) URL ending in /v1/traces; isSecure picks the scheme. */
export function otlpHttpUrl(otel: OtelSpec): string {
  const address = (otel.endpointAddress ?? '').trim();
  const path = address.replace(SCHEME, '').replace(/^[^/]*/, '').replace(/\/+$/, '');
  const base = `${otelSecure(otel) ? 'https' : 'http'}://${otelHostPort(address)}${path}`;
  return /\/v1\/traces$/.test(path) ? base : `${base}/v1/traces`;
}
