/** The "consul" resolver factory (Configuration spec.nameResolution.component: consul). */
import { readFileSync } from 'node:fs';
import type { ResolverFactory } from '../contract';
import { DiscoveryError } from '../errors';
import { parseConsulOptions, type ConsulOptions } from './options';
import { ConsulResolver, type ConsulTlsMaterial } from './resolver';

/** Reads client.tlsConfig files now, so a missing file is a configuration error naming its field. */
function readTls(opts: ConsulOptions): ConsulTlsMaterial {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const files = [['caFile', 'ca'], ['certFile', 'cert'], ['keyFile', 'key']] as const;
  for (const [field, prop] of files) {
    const file = opts.client.tls[field];
    if (!file) continue;
    try {
      out[prop] = readFileSync(file);
    } catch (err) {
      throw new DiscoveryError('INVALID_CONFIGURATION', `consul: nameResolution.configuration.client.tlsConfig.${field}: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return out;
}

export const consulResolverFactory: ResolverFactory = {
  name: 'consul',
  create(configuration, log) {
    const parsed = parseConsulOptions(configuration);
    if (!parsed.ok) throw new DiscoveryError('INVALID_CONFIGURATION', `consul: ${parsed.message}`);
    return new ConsulResolver(parsed.value, readTls(parsed.value), log.child('consul'));
  },
};

export { ConsulResolver, type ConsulTlsMaterial } from './resolver';
export { parseConsulOptions, parseConsulAddress, type ConsulOptions, type ConsulClientOptions, type ConsulQueryOptions } from './options';
export { buildRegistration, serviceId, defaultCheck, substitute, type ServiceRegistration } from './registration';
export { endpointsFromEntries, type EntryFilter } from './entries';
