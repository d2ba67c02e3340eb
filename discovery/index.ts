export type { Endpoint, ResolveRequest, ResolveResult, Resolver, ResolverFactory, SelfRegistration } from './contract';
export { DiscoveryError, type DiscoveryErrorCode } from './errors';
export { RoundRobin, AppEndpointPicker, endpointKey, type PickResult } from './round-robin';
export { ResolverRegistry, builtinResolvers, createResolver, DEFAULT_RESOLVER, KUBERNETES_DEFAULT_RESOLVER, type CreateResolverResult } from './registry';
export { MdnsResolver, mdnsResolverFactory, parseMdnsOptions, defaultMdnsOptions, type MdnsOptions } from './mdns';
export { StaticResolver, staticResolverFactory, parseStaticConfig, parseHostPort, type StaticConfig, type StaticAddress } from './static';
export { KubernetesResolver, kubernetesResolverFactory, parseKubernetesOptions, type KubernetesOptions } from './kubernetes';
export { ConsulResolver, consulResolverFactory, parseConsulOptions, type ConsulOptions } from './consul';
export { ResolverChain, createResolverChain, parseFallbackSpecs, type FallbackSpec } from './fallback';
