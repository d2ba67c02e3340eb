/**
 * kind: Configuration (dapr.io/v1alpha1), loaded from --config. See shared/dapr-api.md §9.
 * `spec.metric` is accepted as an alias of `spec.metrics` (as Dapr does); `metrics` wins if both.
 */
import { z } from 'zod';
import { boolLike, DAPR_V1ALPHA1, durationMs, freeForm, lowerEnum, objectMetaSchema, scopesSchema } from './common';

const action = lowerEnum(['allow', 'deny'] as const);
const numberAsString = z.union([z.string(), z.number()], { error: 'expected a number or string' }).transform(String);

const tracingSchema = z.object({
  /** "1" samples everything, "0" nothing; kept as written (Dapr parses it as a float). */
  samplingRate: numberAsString.optional(),
  stdout: boolLike.optional(),
  zipkin: z.object({ endpointAddress: z.string().optional() }).optional(),
  otel: z
    .object({
      endpointAddress: z.string().optional(),
      isSecure: boolLike.optional(),
      protocol: lowerEnum(['grpc', 'http'] as const).optional(),
      headers: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
      /** Milliseconds. */
      timeout: durationMs.optional(),
    })
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
