/**
 * What invocation needs from the traffic layer (runtime/chains.ts builds it): the resiliency
 * engine (policies per target app), outlier detection over a target's instances, and the
 * statistics sink. All optional: without them invocation streams straight through.
 */
import type { ResiliencyPolicy } from '../../filters/resiliency/policy';
import type { CompiledRetry } from '../../filters/resiliency/backoff';
import type { ResiliencyTarget } from '../../filters/resiliency/engine';
import type { OutlierDetector } from '../../proxy/upstream/outlier-detector';
import type { FilterStats } from '../../filters/metrics/filter-stats';
import { Errors } from '../../errors/codes';
import type { DaprError } from '../../errors/dapr-error';
import type { ResiliencyFailure } from '../../filters/resiliency/policy';
import { Failure, RetriableFailure, Success, type Verdict } from '../../filters/resiliency/policy';

export interface InvokeResilience {
  readonly engine: {
    policyFor(t: ResiliencyTarget): ResiliencyPolicy;
    /** Dapr's built-in retries of calls that cannot reach the other sidecar (filters/resiliency/service-retries.ts). */
    serviceRetryFor?(appId: string): CompiledRetry | undefined;
  };
  readonly outlier?: OutlierDetector;
  readonly stats?: FilterStats;
}

/** Dapr treats an answer outside 200-399 as a failed invocation; `matching` narrows what is retried. */
export function judgeStatus(policy: ResiliencyPolicy, status: number): Verdict {
  if (status >= 200 && status < 400) return Success;
  const codes = policy.retry?.httpStatusCodes;
  return codes === undefined || codes.has(status) ? RetriableFailure : Failure;
}

export function resiliencyError(appId: string, f: ResiliencyFailure): DaprError {
  return Errors.invokeFailed(appId, f.message);
}

/** Outlier-detection key for an app target. */
export function outlierKey(appId: string, namespace: string): string {
  return `${appId}.${namespace}`;
}
