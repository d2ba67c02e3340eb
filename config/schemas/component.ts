/** kind: Component (dapr.io/v1alpha1). See shared/dapr-api.md §9. */
import { z } from 'zod';
import { authSchema, boolLike, DAPR_V1ALPHA1, durationMs, nameValueSchema, objectMetaSchema, scopesSchema } from './common';

export const componentSchema = z.object({
  apiVersion: z.literal(DAPR_V1ALPHA1),
  kind: z.literal('Component'),
  metadata: objectMetaSchema,
  auth: authSchema.optional(),
  spec: z.object({
    /** `<building block>.<driver>`, e.g. `state.redis`, `middleware.http.oauth2`. */
    type: z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$/, 'expected a component type such as "state.redis"'),
    version: z.string().min(1).default('v1'),
    /** Milliseconds; default 5s. */
    initTimeout: durationMs.default(5000),
    ignoreErrors: boolLike.default(false),
    metadata: z.array(nameValueSchema).default([]),
  }),
  scopes: scopesSchema,
});

export type ComponentResource = z.output<typeof componentSchema>;
