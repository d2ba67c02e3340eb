/**
 * Which component-call failures a resiliency policy retries. A failure the caller made (ETag
 * mismatch or first-write conflict, invalid ETag, bad request, unsupported operation, a binding's
 * bad metadata) is the store answering correctly: it is returned at once, never retried, and does
 * not count against the circuit breaker (as in daprd, where ETag errors are not retried). Any
 * other rejection - a driver or connection error - is retried and counted.
 */
import { isStateError } from '../../components/state/contract';
import { BindingError } from '../../components/bindings/contract';
import { RetriableFailure, Success, type Verdict } from '../../filters/resiliency/policy';

/** The result of one attempt, as a value (the policy engine judges values, not throws). */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export function isCallerError(err: unknown): boolean {
  return isStateError(err) || err instanceof BindingError;
}

export function judgeOutcome(o: Outcome<unknown>): Verdict {
  if (o.ok || isCallerError(o.error)) return Success;
  return RetriableFailure;
}
