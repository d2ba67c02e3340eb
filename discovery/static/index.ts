export { StaticResolver, staticResolverFactory } from './resolver';
export { parseStaticConfig, parseHostPort, type StaticConfig, type StaticAddress, type StaticConfigResult } from './config';
