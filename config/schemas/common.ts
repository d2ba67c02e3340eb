/**
 * Building blocks shared by the per-kind schemas. Conventions for every parsed resource:
 * - unknown fields are dropped (Dapr ignores them); wrong types are errors with a path;
 * - durations are parsed to milliseconds (numbers) wherever a schema says `Ms` in its doc;
 * - integers and booleans also accept their string spelling ("3", "true"), because `${VAR}`
 *   substitution always yields strings.
 */
import { z } from 'zod';
import { parseGoDuration } from '../duration';

export const DAPR_V1ALPHA1 = 'dapr.io/v1alpha1';
export const DAPR_V2ALPHA1 = 'dapr.io/v2alpha1';

export const objectMetaSchema = z.object({
  name: z.string().min(1, 'metadata.name must not be empty'),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type ObjectMeta = z.output<typeof objectMetaSchema>;

export const scopesSchema = z.array(z.string()).default([]);

export const authSchema = z.object({ secretStore: z.string().optional() });

export const secretKeyRefSchema = z.object({
  name: z.string().min(1),
  /** Defaults to `name` when absent (resolved by the consumer). */
  key: z.string().optional(),
});
export type SecretKeyRef = z.output<typeof secretKeyRefSchema>;

/** `{name, value | secretKeyRef | envRef}`: Component metadata items and HTTPEndpoint headers. */
export const nameValueSchema = z.object({
  name: z.string().min(1),
  /** Any YAML scalar, mapping or sequence (Dapr's DynamicValue). */
  value: z.unknown().optional(),
  secretKeyRef: secretKeyRefSchema.optional(),
  envRef: z.string().optional(),
});
export type NameValue = z.output<typeof nameValueSchema>;

/** A Go duration string (or a number of ms) -> milliseconds, must be >= 0. */
export const durationMs = z.union([z.string(), z.number()], { error: 'expected a duration such as "5s"' }).transform((v, ctx) => {
  const ms = parseGoDuration(v);
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)} (expected e.g. "500ms", "5s", "1h30m")`, input: v });
    return z.NEVER;
  }
  return ms;
});

/** A Go duration kept as written but validated (for fields passed through verbatim). */
export const durationString = z.string().refine((v) => {
  const ms = parseGoDuration(v);
  return ms !== undefined && ms >= 0;
}, { message: 'invalid duration (expected e.g. "500ms", "5s", "1h30m")' });

export const intLike = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
  z.number().int(),
);

export const boolLike = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return s === 'true' ? true : s === 'false' ? false : v;
}, z.boolean());

/** Lower-cases before checking membership ("Deny" == "deny", as Dapr compares). */
export function lowerEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(values));
}

/** A free-form mapping (component-specific configuration). */
export const freeForm = z.record(z.string(), z.unknown());

/** Source annotation added by the loader to every resource it returns. */
export interface ResourceSource {
  /** File path as given (folder joined with the file name). */
  file: string;
  /** 0-based document index inside the file. */
  docIndex: number;
  /**
   * Canonical JSON of the document after env substitution; equal digests mean equal content
   * (the watcher's "updated" test).
   */
  digest: string;
}

/** A parsed resource plus where it came from. */
export type Loaded<T> = T & { source: ResourceSource };
