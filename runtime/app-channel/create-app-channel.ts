/**
 * Picks the app channel for --app-protocol. Each channel's module is loaded only for its protocol:
 * the gRPC channel pulls in Connect and the Dapr protobuf stubs, which an HTTP app never needs.
 */
import type { SidecarOptions } from '../options';
import type { AppChannel } from './contract';

export function createAppChannel(opts: SidecarOptions): AppChannel {
  const identity = { appId: opts.appId, namespace: opts.namespace, ...(opts.appApiToken ? { appApiToken: opts.appApiToken } : {}) };
  const common = { ...identity, host: opts.appChannelAddress, port: opts.appPort!, maxConcurrency: opts.appMaxConcurrency, maxBodySize: opts.maxBodySize };
  switch (opts.appProtocol) {
    case 'http':
    case 'https': {
      const { HttpAppChannel } = require('./http-app-channel') as typeof import('./http-app-channel');
      return new HttpAppChannel({ ...common, protocol: opts.appProtocol });
    }
    case 'h2c': {
      const { H2cAppChannel } = require('./h2c-app-channel') as typeof import('./h2c-app-channel');
      return new H2cAppChannel(common);
    }
    case 'grpc':
    case 'grpcs': {
      const { GrpcAppChannel } = require('./grpc-app-channel') as typeof import('./grpc-app-channel');
      return new GrpcAppChannel({ ...common, tls: opts.appProtocol === 'grpcs' });
    }
  }
}
