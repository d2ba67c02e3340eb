/**
 * A circuit breaker with gobreaker's semantics (which Dapr uses):
 *  - closed: calls pass; after each failure the `trip` expression (CEL, evaluated with @bufbuild/cel
 *    over requests, totalSuccesses, totalFailures, consecutiveSuccesses, consecutiveFailures)
 *    decides whether to open; counts reset every `interval` ms (0 = never);
 *  - open: calls fail fast for `timeout` ms, then half-open;
 *  - half-open: at most `maxRequests` calls pass; that many consecutive successes close it,
 *    any failure opens it again.
 * The trip expression is parsed once at build time; an expression that fails to parse is a
 * configuration issue reported by compileTrip().
 */
import { cel } from '../../proxy/cel';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerCounts {
  requests: number;
  totalSuccesses: number;
  totalFailures: number;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
}

export type TripFn = (counts: Readonly<BreakerCounts>) => boolean;

/** Dapr's default when no trip is given: more than 5 consecutive failures. */
const DEFAULT_TRIP: TripFn = (c) => c.consecutiveFailures > 5;

let tripEnv: ReturnType<ReturnType<typeof cel>['celEnv']> | undefined;
function env(): NonNullable<typeof tripEnv> {
  const { celEnv, CelScalar } = cel();
  return (tripEnv ??= celEnv({
    variables: {
      requests: CelScalar.INT, totalSuccesses: CelScalar.INT, totalFailures: CelScalar.INT,
      consecutiveSuccesses: CelScalar.INT, consecutiveFailures: CelScalar.INT,
    },
  }));
}

/** Compiles a trip expression once; returns an error message for a bad one. */
export function compileTrip(expr: string | undefined): TripFn | string {
  if (expr === undefined || expr.trim() === '') return DEFAULT_TRIP;
  const compile = () => cel().plan(env(), cel().parse(expr));
  let run: ReturnType<typeof compile>;
  try {
    run = compile();
  } catch (err) {
    return `invalid trip expression ${JSON.stringify(expr)}: ${(err as Error).message}`;
  }
  const evalWith = (c: Readonly<BreakerCounts>): unknown => run({
    requests: BigInt(c.requests), totalSuccesses: BigInt(c.totalSuccesses), totalFailures: BigInt(c.totalFailures),
    consecutiveSuccesses: BigInt(c.consecutiveSuccesses), consecutiveFailures: BigInt(c.consecutiveFailures),
  });
  // Probe once so an unknown variable or a non-boolean result is found at load time.
  const probe = evalWith({ requests: 0, totalSuccesses: 0, totalFailures: 0, consecutiveSuccesses: 0, consecutiveFailures: 0 });
  if (cel().isCelError(probe)) return `invalid trip expression ${JSON.stringify(expr)}: ${probe.message}`;
  if (typeof probe !== 'boolean') return `trip expression ${JSON.stringify(expr)} must evaluate to a boolean`;
  return (counts) => evalWith(counts) === true;
}

export interface BreakerSpec {
  readonly maxRequests: number;
  /** ms; 0 = counts never reset while closed. */
  readonly interval: number;
  /** ms spent open before half-open. */
  readonly timeout: number;
  readonly trip: TripFn;
}

export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private counts: BreakerCounts = zero();
  private expiry = 0;
  private halfOpenInFlight = 0;

  constructor(
    private readonly spec: BreakerSpec,
    private readonly onStateChange: (state: BreakerState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (spec.interval > 0) this.expiry = this.now() + spec.interval;
  }

  current(): BreakerState {
    this.refresh(this.now());
    return this.state;
  }

  /** Asks to make a call: false = fail fast (open, or half-open and full). */
  tryAcquire(): boolean {
    this.refresh(this.now());
    if (this.state === 'open') return false;
    if (this.state === 'half-open') {
      if (this.halfOpenInFlight >= Math.max(1, this.spec.maxRequests)) return false;
      this.halfOpenInFlight++;
    }
    this.counts.requests++;
    return true;
  }

  /** Reports the outcome of a call admitted by tryAcquire(). */
  record(success: boolean): void {
    const now = this.now();
    this.refresh(now);
    const c = this.counts;
    if (this.state === 'half-open') this.halfOpenInFlight = Math.max(0, this.halfOpenInFlight - 1);
    if (success) {
      c.totalSuccesses++;
      c.consecutiveSuccesses++;
      c.consecutiveFailures = 0;
      if (this.state === 'half-open' && c.consecutiveSuccesses >= Math.max(1, this.spec.maxRequests)) this.set('closed', now);
      return;
    }
    c.totalFailures++;
    c.consecutiveFailures++;
    c.consecutiveSuccesses = 0;
    if (this.state === 'half-open') this.set('open', now);
    else if (this.state === 'closed' && this.spec.trip(c)) this.set('open', now);
  }

  private refresh(now: number): void {
    if (this.state === 'closed') {
      if (this.spec.interval > 0 && now >= this.expiry) {
        this.counts = zero();
        this.expiry = now + this.spec.interval;
      }
    } else if (this.state === 'open' && now >= this.expiry) {
      this.set('half-open', now);
    }
  }

  private set(state: BreakerState, now: number): void {
    this.state = state;
    this.counts = zero();
    this.halfOpenInFlight = 0;
    if (state === 'open') this.expiry = now + this.spec.timeout;
    else if (state === 'closed') this.expiry = this.spec.interval > 0 ? now + this.spec.interval : 0;
    this.onStateChange(state);
  }
}

function zero(): BreakerCounts {
  return { requests: 0, totalSuccesses: 0, totalFailures: 0, consecutiveSuccesses: 0, consecutiveFailures: 0 };
}
