/** The Dapr errors of the configuration API. */
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';

export const ConfigurationErrors = {
  notConfigured: (): DaprError => daprError(500, 'ERR_CONFIGURATION_STORE_NOT_CONFIGURED', 'configuration store is not configured', GrpcCode.FAILED_PRECONDITION),
  notFound: (store: string): DaprError => daprError(400, 'ERR_CONFIGURATION_STORE_NOT_FOUND', `configuration store ${store} not found`, GrpcCode.INVALID_ARGUMENT),
  get: (keys: readonly string[], store: string, why: string): DaprError => daprError(500, 'ERR_CONFIGURATION_GET', `failed to get ${JSON.stringify(keys)} from Configuration store ${store}: ${why}`, GrpcCode.INTERNAL),
  subscribe: (keys: readonly string[], store: string, why: string): DaprError => daprError(500, 'ERR_CONFIGURATION_SUBSCRIBE', `failed to subscribe ${JSON.stringify(keys)} from Configuration store ${store}: ${why}`, GrpcCode.INTERNAL),
  unsubscribe: (id: string, why: string): DaprError => daprError(500, 'ERR_CONFIGURATION_UNSUBSCRIBE', `failed to unsubscribe to configuration request ${id}: ${why}`, GrpcCode.INTERNAL),
  appChannelNil: (): DaprError => daprError(500, 'ERR_APP_CHANNEL_NIL', 'app channel is not initialized. cannot subscribe to configuration updates', GrpcCode.INTERNAL),
};
