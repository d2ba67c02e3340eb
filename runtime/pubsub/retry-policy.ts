/**
 * How often a delivery the app answered RETRY (or failed) is tried again before it is dead-lettered
 * (with a deadLetterTopic) or handed back to the broker for redelivery (without one). The runtime
 * asks `retryPolicy(pubsubName, topic)` per subscription, so a Resiliency resource (component
 * inbound policies) can plug in later; the built-in default is a constant back-off.
 */
export interface RetryPolicy {
  /** Retries after the first attempt; -1 = retry forever. */
  readonly maxRetries: number;
  /** Constant delay between attempts, in milliseconds. */
  readonly intervalMs: number;
  /** Delay before retry n (1-based), when the policy is not constant (Resiliency exponential). */
  readonly delayMs?: (n: number) => number;
}

export type RetryPolicyProvider = (pubsubName: string, topic: string) => RetryPolicy | undefined;

/** Dapr's built-in retry shape: constant 1 s, 3 retries. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, intervalMs: 1000 };

export function exhausted(policy: RetryPolicy, retriesDone: number): boolean {
  return policy.maxRetries >= 0 && retriesDone >= policy.maxRetries;
}

/** The wait before retry number `n` (1-based). */
export function retryDelay(policy: RetryPolicy, n: number): number {
  return policy.delayMs ? policy.delayMs(n) : policy.intervalMs;
}
