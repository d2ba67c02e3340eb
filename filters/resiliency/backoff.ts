/**
 * Back-off between retries, as Dapr's retry policies define them (constant or exponential with
 * jitter, a cap, an optional overall elapsed-time limit) plus Dapr's built-in retry policies.
 */
import type { RetryPolicy } from '../../config/schemas/resiliency';

export interface CompiledRetry {
  readonly name: string;
  /** -1 = unlimited. */
  readonly maxRetries: number;
  /** Delay before retry number `n` (1-based), ms. */
  delay(n: number): number;
  /** Overall limit in ms since the first attempt, or undefined. */
  readonly maxElapsedTime?: number;
  readonly httpStatusCodes?: ReadonlySet<number>;
  readonly grpcStatusCodes?: ReadonlySet<number>;
}

export function compileRetry(name: string, p: RetryPolicy, random: () => number = Math.random): CompiledRetry {
  const base = {
    name,
    maxRetries: p.maxRetries,
    ...(p.maxElapsedTime !== undefined ? { maxElapsedTime: p.maxElapsedTime } : {}),
    ...(p.matching?.httpStatusCodes ? { httpStatusCodes: p.matching.httpStatusCodes } : {}),
    ...(p.matching?.gRPCStatusCodes ? { grpcStatusCodes: p.matching.gRPCStatusCodes } : {}),
  };
  if (p.policy === 'constant') return { ...base, delay: () => p.duration };
  return {
    ...base,
    delay(n) {
      const interval = Math.min(p.maxInterval, p.initialInterval * Math.pow(p.multiplier, n - 1));
      const delta = p.randomizationFactor * interval;
      return Math.min(p.maxInterval, Math.max(0, interval - delta + random() * 2 * delta));
    },
  };
}

/** Dapr's built-in retry policies, used when a target names them. */
export const BUILT_IN_RETRIES: Readonly<Record<string, CompiledRetry>> = {
  DaprBuiltInServiceRetries: { name: 'DaprBuiltInServiceRetries', maxRetries: 3, delay: () => 1000 },
  DaprBuiltInActorRetries: { name: 'DaprBuiltInActorRetries', maxRetries: 3, delay: () => 1000 },
  DaprBuiltInActorReminderRetries: { name: 'DaprBuiltInActorReminderRetries', maxRetries: -1, delay: (n) => Math.min(60_000, 500 * Math.pow(1.5, n - 1)), maxElapsedTime: 15 * 60_000 },
  DaprBuiltInActorNotFoundRetries: { name: 'DaprBuiltInActorNotFoundRetries', maxRetries: 5, delay: () => 1000 },
  DaprBuiltInInitializationRetries: { name: 'DaprBuiltInInitializationRetries', maxRetries: 3, delay: (n) => Math.min(10_000, 500 * Math.pow(1.5, n - 1)), maxElapsedTime: 10_000 },
};
