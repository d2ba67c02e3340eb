/** The Dapr errors of the secrets API (codes, HTTP statuses and gRPC codes as daprd answers). */
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';

export const SecretErrors = {
  notConfigured: (): DaprError => daprError(500, 'ERR_SECRET_STORES_NOT_CONFIGURED', 'secret store is not configured', GrpcCode.FAILED_PRECONDITION),
  /** daprd answers 401 for an unknown secret store (sic). */
  notFound: (store: string): DaprError => daprError(401, 'ERR_SECRET_STORE_NOT_FOUND', `failed finding secret store with key ${store}`, GrpcCode.INVALID_ARGUMENT),
  denied: (key: string, store: string): DaprError => daprError(403, 'ERR_PERMISSION_DENIED', `access denied by policy to get "${key}" from "${store}"`, GrpcCode.PERMISSION_DENIED),
  get: (key: string, store: string, why: string): DaprError => daprError(500, 'ERR_SECRET_GET', `failed getting secret with key ${key} from secret store ${store}: ${why}`, GrpcCode.INTERNAL),
  bulkGet: (store: string, why: string): DaprError => daprError(500, 'ERR_SECRET_GET', `failed getting secrets from secret store ${store}: ${why}`, GrpcCode.INTERNAL),
};
