/** Picks the app channel for --app-protocol. */
import type { SidecarOptions } from '../options';
import type { AppChannel } from './contract';
import { HttpAppChannel } from './http-app-channel';
import { H2cAppChannel } from './h2c-app-channel';
import { GrpcAppChannel } from './grpc-app-channel';

export function createAppChannel(opts: SidecarOptions): AppChannel {
  const identity = { appId: opts.appId, namespace: opts.namespace, ...(opts.appApiToken ? { appApiToken: opts.appApiToken } : {}) };
  const common = { ...identity, host: opts.appChannelAddress, port: opts.appPort!, maxConcurrency: opts.appMaxConcurrency, maxBodySize: opts.maxBodySize };
  switch (opts.appProtocol) {
    case 'http':
    case 'https':
      return new HttpAppChannel({ ...common, protocol: opts.appProtocol });
    case 'h2c':
      return new H2cAppChannel(common);
    case 'grpc':
    case 'grpcs':
      return new GrpcAppChannel({ ...common, tls: opts.appProtocol === 'grpcs' });
  }
}
