/**
 * kind: Subscription, declarative pub/sub subscriptions. Both API versions parse into ONE shape:
 *   v1alpha1 `spec.route: /orders`         -> spec.routes = {rules: [], default: "/orders"}
 *   v2alpha1 `spec.routes: {rules, default}` -> kept (rules matched in order, CEL `match`)
 * `apiVersion` stays as written so callers can tell them apart if they need to.
 */
import { z } from 'zod';
import { boolLike, DAPR_V1ALPHA1, DAPR_V2ALPHA1, intLike, objectMetaSchema, scopesSchema } from './common';

const stringMap = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string' }).transform(String),
);

const bulkSubscribeSchema = z.object({
  enabled: boolLike.default(false),
  maxMessagesCount: intLike.pipe(z.number().min(1)).optional(),
  maxAwaitDurationMs: intLike.pipe(z.number().min(0)).optional(),
});

const commonSpec = {
  pubsubname: z.string().min(1),
  topic: z.string().min(1),
  metadata: stringMap.default({}),
  deadLetterTopic: z.string().optional(),
  bulkSubscribe: bulkSubscribeSchema.optional(),
};

const v1 = z.object({
  apiVersion: z.literal(DAPR_V1ALPHA1),
  kind: z.literal('Subscription'),
  metadata: objectMetaSchema,
  spec: z.object({ ...commonSpec, route: z.string().min(1) }),
  scopes: scopesSchema,
});

const routeRuleSchema = z.object({ match: z.string().default(''), path: z.string().min(1) });
const routesSchema = z
  .object({ rules: z.array(routeRuleSchema).default([]), default: z.string().min(1).optional() })
  .refine((r) => r.rules.length > 0 || r.default !== undefined, { message: 'routes needs at least one rule or a default' });

const v2 = z.object({
  apiVersion: z.literal(DAPR_V2ALPHA1),
  kind: z.literal('Subscription'),
  metadata: objectMetaSchema,
  spec: z.object({ ...commonSpec, routes: routesSchema }),
  scopes: scopesSchema,
});

export interface SubscriptionRoutes {
  /** Evaluated in order; the first rule whose `match` is true (or empty) wins. */
  rules: { match: string; path: string }[];
  default?: string;
}

export interface SubscriptionResource {
  apiVersion: typeof DAPR_V1ALPHA1 | typeof DAPR_V2ALPHA1;
  kind: 'Subscription';
  metadata: z.output<typeof objectMetaSchema>;
  spec: {
    pubsubname: string;
    topic: string;
    routes: SubscriptionRoutes;
    metadata: Record<string, string>;
    deadLetterTopic?: string;
    bulkSubscribe?: z.output<typeof bulkSubscribeSchema>;
  };
  scopes: string[];
}

export const subscriptionSchema = z.discriminatedUnion('apiVersion', [v1, v2]).transform((s): SubscriptionResource => {
  const { pubsubname, topic, metadata, deadLetterTopic, bulkSubscribe } = s.spec;
  const routes: SubscriptionRoutes = 'route' in s.spec ? { rules: [], default: s.spec.route } : s.spec.routes;
  const spec: SubscriptionResource['spec'] = { pubsubname, topic, routes, metadata };
  if (deadLetterTopic !== undefined) spec.deadLetterTopic = deadLetterTopic;
  if (bulkSubscribe !== undefined) spec.bulkSubscribe = bulkSubscribe;
  return { apiVersion: s.apiVersion, kind: 'Subscription', metadata: s.metadata, spec, scopes: s.scopes };
});
