/**
 * The resiliency policy engine: merges the Resiliency resources that apply to this app, resolves
 * for each target the named policies (or Dapr's default policy names, most specific first) and
 * hands out one composed wrapper per target, built once and cached (breakers keep their state).
 *
 * Targets: apps (also HTTPEndpoints, by name), components (inbound/outbound, with the building
 * block for the block-specific defaults) and actors (breaker scope id|type|both, LRU of per-id
 * breakers). Building blocks call `policyFor(...).execute(op, judge)`.
 */
import { LRUCache } from 'lru-cache';
import type { ResiliencyResource } from '../../config/schemas/resiliency';
import { parseGoDuration } from '../../config/duration';
import type { Logger } from '../../observability/logger';
import type { FilterStats } from '../metrics/filter-stats';
import { BUILT_IN_RETRIES, compileRetry, type CompiledRetry } from './backoff';
import { CircuitBreaker, compileTrip, type BreakerSpec } from './circuit-breaker';
import { composePolicy, type PolicyEvents, type ResiliencyPolicy } from './policy';
import { DEFAULT_RETRY_BUDGET, RetryBudget, type RetryBudgetOptions } from './retry-budget';

export type ResiliencyTarget =
  | { readonly kind: 'app'; readonly appId: string }
  | { readonly kind: 'component'; readonly name: string; readonly direction: 'inbound' | 'outbound'; readonly block: string }
  | { readonly kind: 'actor'; readonly type: string; readonly id?: string };

interface Refs { timeout?: string | undefined; retry?: string | undefined; circuitBreaker?: string | undefined }
type Spec = ResiliencyResource['spec'];

/** Building block -> the word Dapr uses in default policy names. */
const BLOCK_WORD: Readonly<Record<string, string>> = {
  state: 'Statestore', pubsub: 'Pubsub', bindings: 'Binding', secretstores: 'Secretstore',
  configuration: 'Configuration', lock: 'Lock', crypto: 'Crypto',
};

/** Default policy name stems, most specific first ("Default%sRetryPolicy"). */
export function defaultStems(t: ResiliencyTarget): string[] {
  switch (t.kind) {
    case 'app': return ['App', ''];
    case 'actor': return ['Actor', ''];
    case 'component': {
      const dir = t.direction === 'inbound' ? 'Inbound' : 'Outbound';
      const word = BLOCK_WORD[t.block];
      return [...(word ? [`${word}Component${dir}`] : []), `Component${dir}`, 'Component', ''];
    }
  }
}

/** The `target` label of Dapr's resiliency metrics: app_<id>, <Block>_<component>, actor_<type>. */
export function metricsTarget(t: ResiliencyTarget): string {
  switch (t.kind) {
    case 'app': return `app_${t.appId}`;
    case 'actor': return `actor_${t.type}`;
    case 'component': return `${BLOCK_WORD[t.block] ?? t.block}_${t.name}`;
  }
}

export interface ResiliencyEngineOptions {
  readonly appId: string;
  readonly namespace: string;
  readonly resources: readonly ResiliencyResource[];
  readonly stats: FilterStats;
  readonly logger: Logger;
  readonly retryBudget?: RetryBudgetOptions;
}

export class ResiliencyEngine {
  private readonly spec: Spec = { policies: { timeouts: {}, retries: {}, circuitBreakers: {} }, targets: { apps: {}, actors: {}, components: {} } };
  private readonly retries = new Map<string, CompiledRetry>();
  private readonly breakerSpecs = new Map<string, BreakerSpec>();
  private readonly cache = new Map<string, ResiliencyPolicy>();
  private readonly actorBreakers = new Map<string, LRUCache<string, CircuitBreaker>>();
  private readonly typeBreakers = new Map<string, CircuitBreaker>();
  /** Which Resiliency resource defined a policy ("retry/name" -> resource), for the metrics' `name` label. */
  private readonly owners = new Map<string, string>();
  /** Names of the loaded Resiliency resources. */
  readonly loaded: string[] = [];

  constructor(private readonly opts: ResiliencyEngineOptions) {
    for (const r of opts.resources) {
      if (r.scopes && r.scopes.length > 0 && !r.scopes.includes(opts.appId)) continue;
      this.loaded.push(r.metadata.name);
      opts.stats.resiliencyLoaded(r.metadata.name, opts.namespace);
      const { policies, targets } = r.spec;
      const own = (kind: string, names: object | undefined): void => { for (const n of Object.keys(names ?? {})) this.owners.set(`${kind}/${n}`, r.metadata.name); };
      own('timeout', policies.timeouts);
      own('retry', policies.retries);
      own('circuitbreaker', policies.circuitBreakers);
      Object.assign(this.spec.policies.timeouts, policies.timeouts);
      Object.assign(this.spec.policies.retries, policies.retries);
      Object.assign(this.spec.policies.circuitBreakers, policies.circuitBreakers);
      Object.assign(this.spec.targets.apps, targets.apps);
      Object.assign(this.spec.targets.actors, targets.actors);
      Object.assign(this.spec.targets.components, targets.components);
    }
    for (const [name, p] of Object.entries(this.spec.policies.retries)) this.retries.set(name, compileRetry(name, p));
    for (const [name, p] of Object.entries(this.spec.policies.circuitBreakers)) {
      const trip = compileTrip(p.trip);
      if (typeof trip === 'string') {
        opts.logger.error(`resiliency: circuit breaker ${name} ignored: ${trip}`);
        continue;
      }
      this.breakerSpecs.set(name, { maxRequests: p.maxRequests, interval: p.interval, timeout: p.timeout, trip });
    }
  }

  /** The composed wrapper for a target (cached; actors with id scope get per-id breakers). */
  policyFor(t: ResiliencyTarget): ResiliencyPolicy {
    const key = t.kind === 'app' ? `app:${t.appId}` : t.kind === 'component' ? `component:${t.name}:${t.direction}` : `actor:${t.type}`;
    const scope = t.kind === 'actor' ? this.spec.targets.actors[t.type]?.circuitBreakerScope ?? 'id' : undefined;
    const cacheKey = t.kind === 'actor' && t.id !== undefined && scope !== 'type' ? `${key}/${t.id}` : key;
    let p = this.cache.get(cacheKey);
    if (!p) {
      p = this.build(t, key);
      if (this.cache.size > 10_000) this.cache.clear(); // actor ids: bounded, breakers live in their own LRU
      this.cache.set(cacheKey, p);
    }
    return p;
  }

  /**
   * The retry policy that applies to a target (named, else the most specific default), for
   * building blocks that run their own retry loop (pub/sub deliveries: component inbound).
   */
  retryFor(t: ResiliencyTarget): CompiledRetry | undefined {
    return this.retryOf(t, this.refsFor(t));
  }

  /**
   * Dapr's built-in service-invocation retries: when no Resiliency target names the app, a call
   * to another sidecar that fails to connect is retried (constant 1 s, 3 times) unless a
   * `DaprBuiltInServiceRetries` policy overrides those values. Undefined when the app is a target.
   */
  serviceRetryFor(appId: string): CompiledRetry | undefined {
    if (this.spec.targets.apps[appId] !== undefined) return undefined;
    return this.retries.get('DaprBuiltInServiceRetries') ?? BUILT_IN_RETRIES.DaprBuiltInServiceRetries;
  }

  private retryOf(t: ResiliencyTarget, refs: Refs): CompiledRetry | undefined {
    if (refs.retry !== undefined) return this.retries.get(refs.retry) ?? BUILT_IN_RETRIES[refs.retry];
    return this.pickDefault(t, 'Retry', (n) => this.retries.get(n))?.[1];
  }

  private refsFor(t: ResiliencyTarget): Refs {
    if (t.kind === 'app') return this.spec.targets.apps[t.appId] ?? {};
    if (t.kind === 'actor') return this.spec.targets.actors[t.type] ?? {};
    return this.spec.targets.components[t.name]?.[t.direction] ?? {};
  }

  private pickDefault<V>(t: ResiliencyTarget, kind: 'Retry' | 'Timeout' | 'CircuitBreaker', has: (name: string) => V | undefined): [string, V] | undefined {
    for (const stem of defaultStems(t)) {
      const name = `Default${stem}${kind}Policy`;
      const v = has(name);
      if (v !== undefined) return [name, v];
    }
    return undefined;
  }

  private build(t: ResiliencyTarget, label: string): ResiliencyPolicy {
    const refs = this.refsFor(t);
    const ns = this.opts.namespace;
    const dir = t.kind === 'component' ? t.direction : 'outbound';
    const stats = this.opts.stats;
    const daprTarget = metricsTarget(t);
    const owner = (policy: string, name: string): string => this.owners.get(`${policy}/${name}`) ?? '';

    let timeout: { name: string; ms: number } | undefined;
    if (refs.timeout !== undefined) {
      const ms = this.spec.policies.timeouts[refs.timeout] ?? parseGoDuration(refs.timeout);
      if (ms !== undefined && ms > 0) timeout = { name: refs.timeout, ms };
    } else {
      const d = this.pickDefault(t, 'Timeout', (n) => this.spec.policies.timeouts[n]);
      if (d && d[1] > 0) timeout = { name: d[0], ms: d[1] };
    }

    const retry = this.retryOf(t, refs);

    let cbName = refs.circuitBreaker;
    let cbSpec = cbName !== undefined ? this.breakerSpecs.get(cbName) : undefined;
    if (cbName === undefined) {
      const d = this.pickDefault(t, 'CircuitBreaker', (n) => this.breakerSpecs.get(n));
      if (d) [cbName, cbSpec] = d;
    }
    const breakers: Array<{ name: string; breaker: CircuitBreaker }> = [];
    if (cbName !== undefined && cbSpec) {
      const name = cbName;
      const spec = cbSpec;
      const resource = owner('circuitbreaker', name);
      const make = (target: string): CircuitBreaker => {
        const mTarget = target === label ? daprTarget : `${daprTarget}${target.slice(label.length)}`;
        stats.breakerState(resource, mTarget, dir, ns, 'closed');
        return new CircuitBreaker(spec, (state) => {
          stats.breakerState(resource, mTarget, dir, ns, state);
          stats.resiliencyActivated(resource, 'circuitbreaker', mTarget, dir, ns, state);
          this.opts.logger.info(`circuit breaker ${name} for ${target} is now ${state}`);
        });
      };
      if (t.kind === 'actor') {
        const scope = this.spec.targets.actors[t.type]?.circuitBreakerScope ?? 'id';
        if (scope === 'type' || scope === 'both' || t.id === undefined) {
          let b = this.typeBreakers.get(t.type);
          if (!b) this.typeBreakers.set(t.type, (b = make(label)));
          breakers.push({ name, breaker: b });
        }
        if ((scope === 'id' || scope === 'both') && t.id !== undefined) {
          let lru = this.actorBreakers.get(t.type);
          if (!lru) this.actorBreakers.set(t.type, (lru = new LRUCache({ max: this.spec.targets.actors[t.type]?.circuitBreakerCacheSize ?? 5000 })));
          let b = lru.get(t.id);
          if (!b) lru.set(t.id, (b = make(`${label}/${t.id}`)));
          breakers.push({ name, breaker: b });
        }
      } else {
        breakers.push({ name, breaker: make(label) });
      }
    }

    const events: PolicyEvents = {
      applied: (policy, name) => {
        const status = policy === 'circuitbreaker' ? breakers.find((b) => b.name === name)?.breaker.current() ?? '' : '';
        stats.resiliencyApplied(owner(policy, name), policy, daprTarget, dir, ns, status);
      },
      activated: (policy, name) => {
        // Breakers report their state changes themselves (above).
        if (policy !== 'circuitbreaker') stats.resiliencyActivated(owner(policy, name), policy, daprTarget, dir, ns);
        if (policy === 'retry') stats.retry(label);
      },
      breakerRejected: () => stats.breakerRejected(label),
      budgetExhausted: () => stats.retryBudgetExhausted(label),
    };
    return composePolicy({
      target: label,
      ...(timeout ? { timeout } : {}),
      ...(retry ? { retry } : {}),
      breakers,
      budget: new RetryBudget(this.opts.retryBudget ?? DEFAULT_RETRY_BUDGET),
      events,
    });
  }
}
