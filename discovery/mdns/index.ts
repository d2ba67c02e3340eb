/** The "mdns" resolver factory (Configuration spec.nameResolution.component: mdns). */
import type { ResolverFactory } from '../contract';
import { DiscoveryError } from '../errors';
import { parseMdnsOptions } from './options';
import { MdnsResolver } from './resolver';

export const mdnsResolverFactory: ResolverFactory = {
  name: 'mdns',
  create(configuration, log) {
    const parsed = parseMdnsOptions(configuration);
    if (!parsed.ok) throw new DiscoveryError('INVALID_CONFIGURATION', `mdns: ${parsed.message}`);
    return new MdnsResolver(parsed.value, log.child('mdns'));
  },
};

export { MdnsResolver } from './resolver';
export { parseMdnsOptions, defaultMdnsOptions, type MdnsOptions } from './options';
