/**
 * kind: Configuration (dapr.io/v1alpha1), loaded from --config. See shared/dapr-api.md §9.
 * `spec.metric` is accepted as an alias of `spec.metrics` (as Dapr does); `metrics` wins if both.
 */
import { z } from 'zod';
import { boolLike, DAPR_V1ALPHA1, durationMs, freeForm, lowerEnum, objectMetaSchema, scopesSchema } from './common';

const action = lowerEnum(['allow', 'deny'] as const);
const numberAsString = z.union([z.string(), z.number()], { error: 'expected a number or string' }).transform(String);

// --- tracing -------------------------------------------------------------------------------

const OTEL_PROTOCOLS = ['grpc', 'http'] as const;

/** `protocol: grpc | http`, case-insensitive; anything else names itself in the error. */
const otelProtocol = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(OTEL_PROTOCOLS, { error: (iss) => `unknown protocol ${JSON.stringify(iss.input)}: expected "grpc" (OTLP/gRPC) or "http" (OTLP/HTTP)` }),
);

const otelHeaderList = z.array(z.object({ name: z.string().min(1), value: z.string().optional() }));

/** Dapr writes `headers: "k1=v1,k2=v2"`; the list form `[{name, value}]` is accepted too. */
const otelHeaders = z.union([
  z.string().transform((raw, ctx) => {
    const out: Array<{ name: string; value: string }> = [];
    for (const pair of raw.split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      const name = eq < 0 ? '' : pair.slice(0, eq).trim();
      if (name === '') {
        ctx.addIssue({ code: 'custom', message: `invalid header ${JSON.stringify(pair.trim())}: expected name=value pairs separated by commas`, input: raw });
        return z.NEVER;
      }
      out.push({ name, value: pair.slice(eq + 1).trim() });
    }
    return out;
  }),
  otelHeaderList,
], { error: 'expected "name=value,..." or a list of {name, value}' });

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** gRPC metadata keys (grpc-js lower-cases them); `-bin` keys carry binary values, `grpc-` is reserved. */
const GRPC_METADATA_KEY = /^[0-9A-Za-z_.-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function checkOtelHeaders(otel: { protocol?: 'grpc' | 'http' | undefined; headers?: Array<{ name: string; value?: string | undefined }> | undefined }, ctx: z.RefinementCtx): void {
  (otel.headers ?? []).forEach((h, i) => {
    const bad = (field: 'name' | 'value', message: string): void => ctx.addIssue({ code: 'custom', path: ['headers', i, field], message, input: h[field] });
    if (otel.protocol === 'grpc') {
      if (!GRPC_METADATA_KEY.test(h.name) || /-bin$/i.test(h.name) || /^grpc-/i.test(h.name)) {
        bad('name', `invalid gRPC metadata key ${JSON.stringify(h.name)}: use letters, digits, "_", "-" or ".", not ending in "-bin" nor starting with "grpc-"`);
      }
      if (!PRINTABLE_ASCII.test(h.value ?? '')) bad('value', 'gRPC metadata values must be printable ASCII');
    } else {
      if (!HTTP_TOKEN.test(h.name)) bad('name', `invalid HTTP header name ${JSON.stringify(h.name)}`);
      if (/[\r\n\0]/.test(h.value ?? '')) bad('value', 'header values must not contain CR, LF or NUL');
    }
  });
}

const tracingSchema = z.object({
  /** "1" samples everything, "0" nothing; kept as written (Dapr parses it as a float). */
  samplingRate: numberAsString.optional(),
  stdout: boolLike.optional(),
  zipkin: z.object({ endpointAddress: z.string().optional() }).optional(),
  otel: z
    .object({
      endpointAddress: z.string().optional(),
      /** Absent = secure (TLS), as Dapr defaults, unless endpointAddress says http://. */
      isSecure: boolLike.optional(),
      protocol: otelProtocol.optional(),
      /** Sent as HTTP headers (http) or gRPC metadata (grpc) on every export. */
      headers: otelHeaders.optional(),
      /** Milliseconds. */
      timeout: durationMs.optional(),
    })
    .superRefine(checkOtelHeaders)
    .optional(),
});

const metricsSchema = z.object({
  enabled: boolLike.default(true),
  recordErrorCodes: boolLike.default(false),
  latencyDistributionBuckets: z.array(z.number()).optional(),
  http: z
    .object({
      increasedCardinality: boolLike.optional(),
      pathMatching: z.array(z.string()).optional(),
      excludeVerbs: boolLike.optional(),
    })
    .optional(),
  rules: z
    .array(z.object({ name: z.string(), labels: z.array(z.object({ name: z.string(), regex: z.record(z.string(), z.string()) })).default([]) }))
    .optional(),
});

const mtlsSchema = z.object({
  enabled: boolLike.optional(),
  /** Milliseconds. */
  workloadCertTTL: durationMs.optional(),
  /** Milliseconds. */
  allowedClockSkew: durationMs.optional(),
  sentryAddress: z.string().optional(),
  controlPlaneTrustDomain: z.string().optional(),
});

const accessControlSchema = z.object({
  defaultAction: action.optional(),
  trustDomain: z.string().optional(),
  policies: z
    .array(
      z.object({
        appId: z.string().min(1),
        defaultAction: action.optional(),
        trustDomain: z.string().optional(),
        namespace: z.string().optional(),
        operations: z
          .array(z.object({ name: z.string().min(1), httpVerb: z.array(z.string()).default([]), action }))
          .default([]),
      }),
    )
    .default([]),
});

const apiRuleSchema = z.object({ name: z.string().min(1), version: z.string().min(1), protocol: lowerEnum(['http', 'grpc'] as const).optional() });

const handlerSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  version: z.string().default('v1'),
  selector: z.object({ fields: z.array(z.object({ field: z.string(), value: z.string() })).default([]) }).optional(),
});
const pipelineSchema = z.object({ handlers: z.array(handlerSchema).default([]) });

const specSchema = z.object({
  tracing: tracingSchema.optional(),
  metrics: metricsSchema.optional(),
  mtls: mtlsSchema.optional(),
  accessControl: accessControlSchema.optional(),
  features: z.array(z.object({ name: z.string().min(1), enabled: boolLike })).default([]),
  api: z.object({ allowed: z.array(apiRuleSchema).optional(), denied: z.array(apiRuleSchema).optional() }).optional(),
  secrets: z
    .object({
      scopes: z
        .array(
          z.object({
            storeName: z.string().min(1),
            defaultAccess: action.optional(),
            allowedSecrets: z.array(z.string()).optional(),
            deniedSecrets: z.array(z.string()).optional(),
          }),
        )
        .default([]),
    })
    .optional(),
  httpPipeline: pipelineSchema.optional(),
  appHttpPipeline: pipelineSchema.optional(),
  nameResolution: z
    .object({ component: z.string().optional(), version: z.string().optional(), configuration: freeForm.optional() })
    .optional(),
  components: z.object({ deny: z.array(z.string()).default([]) }).optional(),
  logging: z
    .object({
      apiLogging: z
        .object({ enabled: boolLike.optional(), obfuscateURLs: boolLike.optional(), omitHealthChecks: boolLike.optional() })
        .optional(),
    })
    .optional(),
});

/** Moves `metric` to `metrics` when only the alias is present. */
function aliasMetric(spec: unknown): unknown {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return spec;
  const s = spec as Record<string, unknown>;
  if (s.metrics === undefined && s.metric !== undefined) {
    const { metric, ...rest } = s;
    return { ...rest, metrics: metric };
  }
  return spec;
}

export const configurationSchema = z.object({
  apiVersion: z.literal(DAPR_V1ALPHA1),
  kind: z.literal('Configuration'),
  metadata: objectMetaSchema,
  spec: z.preprocess(aliasMetric, specSchema).default(specSchema.parse({})),
  scopes: scopesSchema,
});

export type ConfigurationResource = z.output<typeof configurationSchema>;
export type ConfigurationSpec = ConfigurationResource['spec'];
