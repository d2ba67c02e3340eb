/**
 * Resolver factories by Dapr component name, registered explicitly (no import-time side effects
 * elsewhere). createResolver() never throws: an unknown name or a bad configuration comes back as
 * { ok: false, message }.
 */
import type { Logger } from '../observability/logger';
import type { Resolver, ResolverFactory } from './contract';
import { createResolverChain, parseFallbackSpecs, relocateMessage } from './fallback';

/** daprd's default outside Kubernetes. */
export const DEFAULT_RESOLVER = 'mdns';
/** daprd's default in --mode kubernetes. */
export const KUBERNETES_DEFAULT_RESOLVER = 'kubernetes';

export type CreateResolverResult = { readonly ok: true; readonly resolver: Resolver } | { readonly ok: false; readonly message: string };

export class ResolverRegistry {
  private readonly factories = new Map<string, ResolverFactory>();

  register(factory: ResolverFactory): this {
    if (this.factories.has(factory.name)) throw new Error(`name resolver "${factory.name}" is already registered`);
    this.factories.set(factory.name, factory);
    return this;
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * component: Configuration spec.nameResolution.component (empty -> defaultComponent).
   * configuration.fallback (Outrigger extension, see fallback.ts) wraps the resolver in a chain;
   * the key is not passed to the primary's factory.
   */
  create(component: string | undefined, configuration: Record<string, unknown> | undefined, log: Logger, defaultComponent = DEFAULT_RESOLVER): CreateResolverResult {
    const { fallback, ...own } = configuration ?? {};
    const primary = this.createOne(component?.trim() || defaultComponent, own, log, 'spec.nameResolution.component');
    if (!primary.ok) return primary;
    const specs = parseFallbackSpecs(fallback);
    if (typeof specs === 'string') return this.failClosing([primary.resolver], specs);
    const fallbacks: Resolver[] = [];
    for (const spec of specs) {
      const made = this.createOne(spec.component, spec.configuration, log, `${spec.field}.component`);
      if (!made.ok) {
        const message = this.factories.has(spec.component) ? `${spec.field}: ${relocateMessage(made.message, spec)}` : made.message;
        return this.failClosing([primary.resolver, ...fallbacks], message);
      }
      fallbacks.push(made.resolver);
    }
    return { ok: true, resolver: createResolverChain(primary.resolver, fallbacks, log) };
  }

  private createOne(name: string, configuration: Record<string, unknown>, log: Logger, field: string): CreateResolverResult {
    const factory = this.factories.get(name);
    if (!factory) {
      return { ok: false, message: `unknown name resolution component "${name}" (${field}); known: ${this.names().join(', ')}` };
    }
    try {
      return { ok: true, resolver: factory.create(configuration, log) };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Resolvers already created hold nothing before init, but close them anyway. */
  private failClosing(created: Resolver[], message: string): CreateResolverResult {
    for (const r of created) void r.close().catch(() => undefined);
    return { ok: false, message };
  }
}

/** A factory whose module (and its client library) is loaded only when a resolver is created. */
function lazyFactory(name: string, load: () => ResolverFactory): ResolverFactory {
  return { name, create: (configuration, log) => load().create(configuration, log) };
}

/** The built-in resolvers. */
export function builtinResolvers(): ResolverRegistry {
  return new ResolverRegistry()
    .register(lazyFactory('mdns', () => (require('./mdns') as typeof import('./mdns')).mdnsResolverFactory))
    .register(lazyFactory('static', () => (require('./static') as typeof import('./static')).staticResolverFactory))
    .register(lazyFactory('kubernetes', () => (require('./kubernetes') as typeof import('./kubernetes')).kubernetesResolverFactory))
    .register(lazyFactory('consul', () => (require('./consul') as typeof import('./consul')).consulResolverFactory));
}

const builtins = builtinResolvers();

export function createResolver(component: string | undefined, configuration: Record<string, unknown> | undefined, log: Logger, defaultComponent = DEFAULT_RESOLVER): CreateResolverResult {
  return builtins.create(component, configuration, log, defaultComponent);
}
