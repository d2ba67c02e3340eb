/**
 * Dapr resource documents as the YAML text a user puts in a resources folder: Components,
 * Subscriptions and Resiliency. No test machinery here, so the bench targets use it too.
 */
import { stringify } from 'yaml';

/** A Component; `metadata` becomes its spec.metadata name/value list (`[]` when empty). */
export function componentYaml(name: string, type: string, metadata: Readonly<Record<string, string>> = {}): string {
  const items = Object.entries(metadata).map(([k, v]) => `  - name: ${k}\n    value: ${JSON.stringify(v)}\n`).join('');
  return `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: ${type}
  version: v1
  metadata:${items ? `\n${items}` : ' []\n'}`;
}

export interface SubscriptionSpec {
  readonly pubsubname: string;
  readonly topic: string;
  readonly routes: { readonly default: string };
  readonly deadLetterTopic?: string;
}

/** A declarative (v2alpha1) Subscription. */
export function subscriptionYaml(name: string, spec: SubscriptionSpec): string {
  return stringify({ apiVersion: 'dapr.io/v2alpha1', kind: 'Subscription', metadata: { name }, spec });
}

/** A Resiliency resource; `spec` holds its `policies` and `targets` as Dapr names them. */
export function resiliencyYaml(name: string, spec: { policies: Record<string, unknown>; targets: Record<string, unknown> }): string {
  return stringify({ apiVersion: 'dapr.io/v1alpha1', kind: 'Resiliency', metadata: { name }, spec });
}

/** One retry, 10 ms after the first failure. */
export const RETRY_ONCE = { policy: 'constant', duration: '10ms', maxRetries: 1 } as const;

/** A breaker that opens on the third consecutive failure and stays open for the whole test. */
export const BREAKER_AFTER_THREE_FAILURES = { maxRequests: 1, timeout: '60s', trip: 'consecutiveFailures > 2' } as const;
