/**
 * Envoy's retry budget: retries in flight to a target may be at most `budgetPercent` of the
 * requests in flight to it (but `minRetryConcurrency` are always allowed), so a failing upstream
 * cannot turn every request into several.
 */
export interface RetryBudgetOptions {
  /** Share of active requests that may be retries, 0-100 (Envoy's default 20). */
  readonly budgetPercent: number;
  /** Retries always allowed in flight regardless of the share (Envoy's default 3). */
  readonly minRetryConcurrency: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = { budgetPercent: 20, minRetryConcurrency: 3 };

export class RetryBudget {
  private active = 0;
  private retrying = 0;

  constructor(private readonly opts: RetryBudgetOptions = DEFAULT_RETRY_BUDGET) {}

  /** A request to the target started; returns the function that ends it. */
  begin(): void {
    this.active++;
  }

  end(): void {
    this.active = Math.max(0, this.active - 1);
  }

  /** Takes a retry slot if the budget allows; release it with endRetry(). */
  tryRetry(): boolean {
    const allowed = Math.max(this.opts.minRetryConcurrency, Math.floor((this.active * this.opts.budgetPercent) / 100));
    if (this.retrying >= allowed) return false;
    this.retrying++;
    return true;
  }

  endRetry(): void {
    this.retrying = Math.max(0, this.retrying - 1);
  }

  snapshot(): { active: number; retrying: number } {
    return { active: this.active, retrying: this.retrying };
  }
}
