/**
 * When to renew a certificate. Like daprd: at 50 % of its lifetime. The lifetime is counted from
 * the moment we obtained it, not from NotBefore, because NotBefore is backdated by the allowed
 * clock skew (15 m) and would make short-lived certificates look half-spent on arrival.
 */
export const RENEW_AT_FRACTION = 0.5;
/** Never renew sooner than this after obtaining a certificate (guards against hot loops). */
export const MIN_RENEW_DELAY_MS = 250;

export function renewalDelayMs(obtainedAtMs: number, notAfterMs: number, fraction = RENEW_AT_FRACTION): number {
  const life = Math.max(0, notAfterMs - obtainedAtMs);
  return Math.max(MIN_RENEW_DELAY_MS, Math.floor(life * fraction));
}

/** Delay before retrying a failed renewal: a tenth of the time left, between 1 s and 30 s. */
export function retryDelayMs(nowMs: number, notAfterMs: number): number {
  return Math.min(30_000, Math.max(1_000, Math.floor((notAfterMs - nowMs) / 10)));
}

/** A one-shot timer slot that does not keep the process alive; re-arming replaces the old one. */
export class TimerSlot {
  private timer: NodeJS.Timeout | undefined;

  arm(delayMs: number, fn: () => void): void {
    this.clear();
    this.timer = setTimeout(fn, Math.min(delayMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
