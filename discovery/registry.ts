/**
 * Resolver factories by Dapr component name, registered explicitly (no import-time side effects
 * elsewhere). createResolver() never throws: an unknown name or a bad configuration comes back as
 * { ok: false, message }.
 */
import type { Logger } from '../observability/logger';
import type { Resolver, ResolverFactory } from './contract';
import { mdnsResolverFactory } from './mdns';
import { staticResolverFactory } from './static';

/** daprd's default outside Kubernetes. */
export const DEFAULT_RESOLVER = 'mdns';

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

  /** component: Configuration spec.nameResolution.component (empty -> defaultComponent). */
  create(component: string | undefined, configuration: Record<string, unknown> | undefined, log: Logger, defaultComponent = DEFAULT_RESOLVER): CreateResolverResult {
    const name = component?.trim() || defaultComponent;
    const factory = this.factories.get(name);
    if (!factory) {
      return { ok: false, message: `unknown name resolution component "${name}" (spec.nameResolution.component); known: ${this.names().join(', ')}` };
    }
    try {
      return { ok: true, resolver: factory.create(configuration ?? {}, log) };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** The built-in resolvers. kubernetes and consul register here when they exist. */
export function builtinResolvers(): ResolverRegistry {
  return new ResolverRegistry().register(mdnsResolverFactory).register(staticResolverFactory);
}

const builtins = builtinResolvers();

export function createResolver(component: string | undefined, configuration: Record<string, unknown> | undefined, log: Logger, defaultComponent = DEFAULT_RESOLVER): CreateResolverResult {
  return builtins.create(component, configuration, log, defaultComponent);
}
