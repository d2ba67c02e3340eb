/**
 * kind: Resiliency (dapr.io/v1alpha1). Validated beyond shape: durations parse (to ms), retry
 * policy is constant|exponential, counts are integers, `matching` status-code lists ("500,502-504")
 * become sets, and targets reference policies that exist (or Dapr's built-in retry names).
 */
import { z } from 'zod';
import { parseGoDuration } from '../duration';
import { DAPR_V1ALPHA1, durationMs, intLike, lowerEnum, objectMetaSchema, scopesSchema } from './common';

/**
 * Parses "500,502-504" into {500,502,503,504}; every code must lie in [min, max].
 * Returns an error message for a malformed list.
 */
export function parseStatusCodes(list: string, min: number, max: number): ReadonlySet<number> | string {
  const out = new Set<number>();
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) return `invalid status code ${JSON.stringify(item)}`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > to) return `invalid range ${JSON.stringify(item)}: start is greater than end`;
    if (from < min || to > max) return `status code ${JSON.stringify(item)} is outside ${min}-${max}`;
    for (let c = from; c <= to; c++) out.add(c);
  }
  return out;
}

function statusCodes(min: number, max: number) {
  return z.string().transform((v, ctx): ReadonlySet<number> => {
    const r = parseStatusCodes(v, min, max);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', message: r, input: v });
      return z.NEVER;
    }
    return r;
  });
}

const retrySchema = z.object({
  policy: lowerEnum(['constant', 'exponential'] as const).default('constant'),
  /** Constant back-off interval, ms (default 5s). */
  duration: durationMs.default(5000),
  /** Exponential: first interval, ms (default 500ms). */
  initialInterval: durationMs.default(500),
  randomizationFactor: z.number().min(0).max(1).default(0.5),
  multiplier: z.number().min(1).default(1.5),
  /** Exponential: interval cap, ms (default 60s). */
  maxInterval: durationMs.default(60_000),
  /** Give up after this much time, ms; unset = no limit. */
  maxElapsedTime: durationMs.optional(),
  /** -1 = unlimited, 0 = no retries. */
  maxRetries: intLike.pipe(z.number().min(-1, 'maxRetries must be -1 (unlimited) or more')).default(-1),
  matching: z
    .object({ httpStatusCodes: statusCodes(100, 599).optional(), gRPCStatusCodes: statusCodes(0, 16).optional() })
    .optional(),
});
export type RetryPolicy = z.output<typeof retrySchema>;

const circuitBreakerSchema = z.object({
  maxRequests: intLike.pipe(z.number().min(0)).default(1),
  /** Cyclic period for clearing counts in the closed state, ms (default 0 = never). */
  interval: durationMs.default(0),
  /** Open-state duration before half-open, ms (default 60s). */
  timeout: durationMs.default(60_000),
  /** CEL-like expression over requests/totalSuccesses/totalFailures/consecutive*. */
  trip: z.string().min(1).optional(),
});
export type CircuitBreakerPolicy = z.output<typeof circuitBreakerSchema>;

const policyRefs = {
  timeout: z.string().min(1).optional(),
  retry: z.string().min(1).optional(),
  circuitBreaker: z.string().min(1).optional(),
};
const cacheSize = intLike.pipe(z.number().min(1)).optional();

const targetsSchema = z.object({
  apps: z.record(z.string(), z.object({ ...policyRefs, circuitBreakerCacheSize: cacheSize })).default({}),
  actors: z
    .record(z.string(), z.object({ ...policyRefs, circuitBreakerScope: lowerEnum(['id', 'type', 'both'] as const).optional(), circuitBreakerCacheSize: cacheSize }))
    .default({}),
  components: z
    .record(z.string(), z.object({ outbound: z.object(policyRefs).optional(), inbound: z.object(policyRefs).optional() }))
    .default({}),
});

/** Retry policies Dapr defines itself; targets may name them without declaring them. */
export const BUILT_IN_RETRY_POLICIES: readonly string[] = [
  'DaprBuiltInServiceRetries',
  'DaprBuiltInActorRetries',
  'DaprBuiltInActorReminderRetries',
  'DaprBuiltInActorNotFoundRetries',
  'DaprBuiltInInitializationRetries',
];

const specSchema = z
  .object({
    policies: z
      .object({
        /** Named timeouts, ms. */
        timeouts: z.record(z.string(), durationMs).default({}),
        retries: z.record(z.string(), retrySchema).default({}),
        circuitBreakers: z.record(z.string(), circuitBreakerSchema).default({}),
      })
      .default({ timeouts: {}, retries: {}, circuitBreakers: {} }),
    targets: targetsSchema.default({ apps: {}, actors: {}, components: {} }),
  })
  .superRefine((spec, ctx) => {
    const { timeouts, retries, circuitBreakers } = spec.policies;
    const check = (refs: { timeout?: string; retry?: string; circuitBreaker?: string } | undefined, path: (string | number)[]): void => {
      if (!refs) return;
      // A timeout may also be written inline as a duration.
      if (refs.timeout !== undefined && !(refs.timeout in timeouts) && parseGoDuration(refs.timeout) === undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'timeout'], message: `timeout policy ${JSON.stringify(refs.timeout)} is not defined in spec.policies.timeouts` });
      }
      if (refs.retry !== undefined && !(refs.retry in retries) && !BUILT_IN_RETRY_POLICIES.includes(refs.retry)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'retry'], message: `retry policy ${JSON.stringify(refs.retry)} is not defined in spec.policies.retries` });
      }
      if (refs.circuitBreaker !== undefined && !(refs.circuitBreaker in circuitBreakers)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'circuitBreaker'], message: `circuit breaker policy ${JSON.stringify(refs.circuitBreaker)} is not defined in spec.policies.circuitBreakers` });
      }
    };
    for (const [name, t] of Object.entries(spec.targets.apps)) check(t, ['targets', 'apps', name]);
    for (const [name, t] of Object.entries(spec.targets.actors)) check(t, ['targets', 'actors', name]);
    for (const [name, t] of Object.entries(spec.targets.components)) {
      check(t.outbound, ['targets', 'components', name, 'outbound']);
      check(t.inbound, ['targets', 'components', name, 'inbound']);
    }
  });

export const resiliencySchema = z.object({
  apiVersion: z.literal(DAPR_V1ALPHA1),
  kind: z.literal('Resiliency'),
  metadata: objectMetaSchema,
  spec: specSchema,
  scopes: scopesSchema,
});

export type ResiliencyResource = z.output<typeof resiliencySchema>;
