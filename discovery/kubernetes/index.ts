/** The "kubernetes" resolver factory (Configuration spec.nameResolution.component: kubernetes). */
import type { ResolverFactory } from '../contract';
import { DiscoveryError } from '../errors';
import { parseKubernetesOptions } from './options';
import { KubernetesResolver } from './resolver';

export const kubernetesResolverFactory: ResolverFactory = {
  name: 'kubernetes',
  create(configuration, log) {
    const parsed = parseKubernetesOptions(configuration);
    if (!parsed.ok) throw new DiscoveryError('INVALID_CONFIGURATION', `kubernetes: ${parsed.message}`);
    return new KubernetesResolver(parsed.value, log.child('kubernetes'));
  },
};

export { KubernetesResolver, splitTarget } from './resolver';
export { parseKubernetesOptions, parseDnsServer, renderTemplate, defaultKubernetesOptions, type KubernetesOptions } from './options';
