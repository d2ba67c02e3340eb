/**
 * The "static" resolver: app ids map to fixed addresses from the Configuration. A namespaced entry
 * ("<appId>.<namespace>") wins over the plain app id entry. Nothing is announced.
 */
import type { Endpoint, ResolveRequest, ResolveResult, Resolver, ResolverFactory, SelfRegistration } from '../contract';
import { DiscoveryError } from '../errors';
import { parseStaticConfig, type StaticConfig } from './config';

export class StaticResolver implements Resolver {
  readonly name = 'static';
  private closed = false;

  constructor(private readonly config: StaticConfig) {}

  async init(_self: SelfRegistration): Promise<void> {
    this.closed = false;
  }

  async resolve(req: ResolveRequest): Promise<ResolveResult> {
    if (this.closed) return { ok: false, code: 'RESOLVER_ERROR', message: 'static resolver is closed' };
    const namespaced = req.namespace ? this.config.apps.get(`${req.appId}.${req.namespace}`) : undefined;
    const addrs = namespaced ?? this.config.apps.get(req.appId);
    if (!addrs) {
      return { ok: false, code: 'NOT_FOUND', message: `app id "${req.appId}" is not listed in nameResolution.configuration.apps` };
    }
    const endpoints: Endpoint[] = addrs.map((a) =>
      namespaced ? { host: a.host, port: a.port, appId: req.appId, namespace: req.namespace } : { host: a.host, port: a.port, appId: req.appId },
    );
    return { ok: true, endpoints };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export const staticResolverFactory: ResolverFactory = {
  name: 'static',
  create(configuration) {
    const parsed = parseStaticConfig(configuration);
    if (!parsed.ok) throw new DiscoveryError('INVALID_CONFIGURATION', `static: ${parsed.message}`);
    return new StaticResolver(parsed.value);
  },
};
