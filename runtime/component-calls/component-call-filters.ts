/**
 * The filters every component call goes through, in one place: the component's resiliency policy
 * (Resiliency `targets.components.<name>.outbound|inbound`, else Dapr's default policy names such
 * as DefaultStatestoreComponentOutboundRetryPolicy) and Dapr's component metrics.
 *
 * Outbound (sidecar -> store/broker/...): timeout per attempt, retries of retriable failures
 * (see verdict.ts), circuit breaker. A call the policy itself ends (open breaker, timeout) rejects
 * with a ComponentCallError, so the building block's API answers with its usual error code
 * (ERR_STATE_GET, ERR_PUBSUB_PUBLISH_MESSAGE, ...) and never a success.
 *
 * Inbound (component -> app): input-binding events run under the component's inbound policy
 * (pub/sub deliveries have their own retry loop in runtime/pubsub, which reads the same policy);
 * both are measured.
 */
import type { BulkPublishResult } from '../../components/pubsub/contract';
import type { FilterStats } from '../../filters/metrics/filter-stats';
import type { ResiliencyTarget } from '../../filters/resiliency/engine';
import { isResiliencyFailure, type ResiliencyFailure, type ResiliencyPolicy } from '../../filters/resiliency/policy';
import type { InboundSpec, OutboundSpec } from './call-specs';
import { judgeOutcome, type Outcome } from './verdict';

/** A component call ended by its resiliency policy (open circuit breaker or timeout). */
export class ComponentCallError extends Error {
  override readonly name = 'ComponentCallError';
  readonly code: 'CIRCUIT_BREAKER_OPEN' | 'TIMEOUT' | 'FAILED';
  constructor(failure: ResiliencyFailure) {
    super(failure.message);
    this.code = failure.reason === 'breaker-open' ? 'CIRCUIT_BREAKER_OPEN' : failure.reason === 'timeout' ? 'TIMEOUT' : 'FAILED';
  }
}

export interface ComponentCallFiltersDeps {
  readonly resiliency: { policyFor(t: ResiliencyTarget): ResiliencyPolicy };
  readonly stats: FilterStats;
}

type Handler = (...args: unknown[]) => Promise<unknown>;

const now = (): number => performance.now();

async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

export class ComponentCallFilters {
  constructor(private readonly deps: ComponentCallFiltersDeps) {}

  /** The component host's initialisation counts, exported as dapr_runtime_component_init_total. */
  watchInits(counts: () => Array<[string, number]>): void {
    this.deps.stats.watchComponentInits(counts);
  }

  /** Runs one outbound call of `component` under its outbound policy and records its metric. */
  async outbound<T>(component: string, block: string, spec: OutboundSpec, args: readonly unknown[], call: () => Promise<T>): Promise<T> {
    const policy = this.deps.resiliency.policyFor({ kind: 'component', name: component, block, direction: 'outbound' });
    const started = now();
    const outcome = await this.run(policy, call);
    this.measureOutbound(component, spec, args, outcome, now() - started);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Wraps the handler a component calls for each incoming event (pub/sub message, input-binding event). */
  inboundHandler(component: string, block: string, spec: InboundSpec, handler: Handler, topic: string): Handler {
    const { stats, resiliency } = this.deps;
    return async (...args: unknown[]) => {
      const policy = spec.policy ? resiliency.policyFor({ kind: 'component', name: component, block, direction: 'inbound' }) : undefined;
      const started = now();
      const outcome = await this.run(policy, () => handler(...args));
      const ms = now() - started;
      if (spec.metric === 'pubsub_ingress') {
        // The message's own topic (a wildcard subscription receives several), else the subscribed one.
        const msgTopic = (args[0] as { topic?: unknown } | undefined)?.topic;
        stats.pubsubIngress(component, typeof msgTopic === 'string' ? msgTopic : topic, !outcome.ok ? 'retry' : outcome.value === 'drop' ? 'drop' : 'success', ms);
      }
      else if (spec.metric === 'input_binding') stats.inputBinding(component, outcome.ok, ms);
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    };
  }

  private async run<T>(policy: ResiliencyPolicy | undefined, call: () => Promise<T>): Promise<Outcome<T>> {
    if (!policy?.active) return attempt(call);
    const r = await policy.execute(() => attempt(call), judgeOutcome);
    return isResiliencyFailure(r) ? { ok: false, error: new ComponentCallError(r) } : r;
  }

  private measureOutbound(component: string, spec: OutboundSpec, args: readonly unknown[], outcome: Outcome<unknown>, ms: number): void {
    const m = spec.metric;
    if (!m) return;
    const stats = this.deps.stats;
    switch (m.family) {
      case 'pubsub_egress': {
        const topic = String((args[0] as { topic?: unknown } | undefined)?.topic ?? '');
        stats.pubsubEgress(component, topic, outcome.ok, ms);
        return;
      }
      case 'pubsub_egress_bulk': {
        const total = Array.isArray(args[1]) ? args[1].length : 0;
        const failed = outcome.ok ? ((outcome.value as BulkPublishResult | undefined)?.failedEntries.length ?? 0) : total;
        stats.pubsubBulkEgress(component, String(args[0] ?? ''), outcome.ok && failed === 0, Math.max(0, total - failed), ms);
        return;
      }
      default:
        stats.componentCall(m.family, component, typeof m.operation === 'function' ? m.operation(args) : m.operation, outcome.ok, ms);
    }
  }
}
