/**
 * One target's composed resiliency wrapper: retry (with back-off and a retry budget) around
 * circuit breaker(s) around a per-attempt timeout around the operation — Dapr's order. The
 * operation reports results as values; `judge` classifies them. Failures of the wrapper itself
 * (timeout, open breaker, thrown error) come back as a ResiliencyFailure value, never a throw.
 */
import type { CompiledRetry } from './backoff';
import type { CircuitBreaker } from './circuit-breaker';
import type { RetryBudget } from './retry-budget';

export const Success = 0 as const;
/** A failure worth retrying (and counted by the breaker). */
export const RetriableFailure = 1 as const;
/** A failure the breaker counts but that is not retried. */
export const Failure = 2 as const;
export type Verdict = typeof Success | typeof RetriableFailure | typeof Failure;

export interface ResiliencyFailure {
  readonly kind: 'resiliency-failure';
  readonly reason: 'timeout' | 'breaker-open' | 'error';
  readonly message: string;
}

export function isResiliencyFailure(v: unknown): v is ResiliencyFailure {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'resiliency-failure';
}

export interface PolicyEvents {
  applied(policy: 'timeout' | 'retry' | 'circuitbreaker', name: string): void;
  activated(policy: 'timeout' | 'retry' | 'circuitbreaker', name: string): void;
  breakerRejected(): void;
  budgetExhausted(): void;
}

export interface ExecuteOptions<T> {
  /** false: run at most once (e.g. a streamed body that cannot be replayed). */
  readonly retry?: boolean;
  /** Called with a result that is dropped because the call is retried (e.g. drain its body). */
  readonly discard?: (result: T) => void;
}

export interface ResiliencyPolicy {
  /** Label of the target ("app:orders", "component:statestore:outbound", "actor:Cart"). */
  readonly target: string;
  /** False when no timeout, retry or breaker applies: execute() just calls op once. */
  readonly active: boolean;
  /** True when failed calls may be retried (callers buffer bodies only then). */
  readonly retries: boolean;
  readonly retry?: CompiledRetry;
  execute<T>(op: (signal: AbortSignal | undefined, attempt: number) => Promise<T>, judge: (result: T) => Verdict, opts?: ExecuteOptions<T>): Promise<T | ResiliencyFailure>;
}

export interface PolicyParts {
  readonly target: string;
  readonly timeout?: { readonly name: string; readonly ms: number };
  readonly retry?: CompiledRetry;
  readonly breakers: ReadonlyArray<{ readonly name: string; readonly breaker: CircuitBreaker }>;
  readonly budget: RetryBudget;
  readonly events: PolicyEvents;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function failure(reason: ResiliencyFailure['reason'], message: string): ResiliencyFailure {
  return { kind: 'resiliency-failure', reason, message };
}

export function composePolicy(p: PolicyParts): ResiliencyPolicy {
  const { timeout, retry, breakers, budget, events } = p;
  const active = timeout !== undefined || retry !== undefined || breakers.length > 0;

  const attemptOnce = async <T>(op: (signal: AbortSignal | undefined, attempt: number) => Promise<T>, attempt: number): Promise<T | ResiliencyFailure> => {
    if (!timeout) {
      try { return await op(undefined, attempt); } catch (err) { return failure('error', (err as Error).message); }
    }
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ResiliencyFailure>((resolve) => {
      timer = setTimeout(() => {
        events.activated('timeout', timeout.name);
        ac.abort(new Error(`timeout after ${timeout.ms}ms`));
        resolve(failure('timeout', `the operation timed out after ${timeout.ms}ms`));
      }, timeout.ms);
    });
    try {
      return await Promise.race([op(ac.signal, attempt).catch((err: unknown) => failure(ac.signal.aborted ? 'timeout' : 'error', (err as Error).message)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    target: p.target,
    active,
    retries: retry !== undefined && retry.maxRetries !== 0,
    ...(retry ? { retry } : {}),
    async execute(op, judge, opts) {
      if (!active) {
        try { return await op(undefined, 1); } catch (err) { return failure('error', (err as Error).message); }
      }
      if (timeout) events.applied('timeout', timeout.name);
      if (retry) events.applied('retry', retry.name);
      for (const b of breakers) events.applied('circuitbreaker', b.name);
      const canRetry = opts?.retry !== false && retry !== undefined;
      const started = Date.now();
      budget.begin();
      let holdingRetry = false;
      try {
        for (let attempt = 1; ; attempt++) {
          let admitted = 0;
          for (; admitted < breakers.length; admitted++) if (!breakers[admitted]!.breaker.tryAcquire()) break;
          if (admitted < breakers.length) {
            events.breakerRejected();
            return failure('breaker-open', 'circuit breaker is open');
          }
          const result = await attemptOnce(op, attempt);
          const verdict = isResiliencyFailure(result) ? RetriableFailure : judge(result);
          for (const b of breakers) b.breaker.record(verdict === Success);
          if (holdingRetry) { budget.endRetry(); holdingRetry = false; }
          if (verdict !== RetriableFailure || !canRetry) return result;
          const r = retry!;
          if (r.maxRetries >= 0 && attempt > r.maxRetries) return result;
          const wait = r.delay(attempt);
          if (r.maxElapsedTime !== undefined && Date.now() - started + wait > r.maxElapsedTime) return result;
          if (!budget.tryRetry()) { events.budgetExhausted(); return result; }
          holdingRetry = true;
          events.activated('retry', r.name);
          if (!isResiliencyFailure(result)) opts?.discard?.(result);
          await sleep(wait);
        }
      } finally {
        if (holdingRetry) budget.endRetry();
        budget.end();
      }
    },
  };
}
