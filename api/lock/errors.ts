/** The Dapr errors of the distributed lock API. */
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';

export const LockErrors = {
  notConfigured: (): DaprError => daprError(500, 'ERR_LOCK_STORE_NOT_CONFIGURED', 'lock store is not configured', GrpcCode.FAILED_PRECONDITION),
  notFound: (store: string): DaprError => daprError(400, 'ERR_LOCK_STORE_NOT_FOUND', `lock store ${store} not found`, GrpcCode.INVALID_ARGUMENT),
  resourceIdEmpty: (store: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', `ResourceId is empty in lock store ${store}`, GrpcCode.INVALID_ARGUMENT),
  ownerEmpty: (store: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', `LockOwner is empty in lock store ${store}`, GrpcCode.INVALID_ARGUMENT),
  expiryNotPositive: (store: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', `ExpiryInSeconds is not positive in lock store ${store}`, GrpcCode.INVALID_ARGUMENT),
  malformed: (why: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', why, GrpcCode.INVALID_ARGUMENT),
  tryLock: (why: string): DaprError => daprError(500, 'ERR_TRY_LOCK', `failed to try acquiring lock: ${why}`, GrpcCode.INTERNAL),
  unlock: (why: string): DaprError => daprError(500, 'ERR_UNLOCK', `failed to release lock: ${why}`, GrpcCode.INTERNAL),
};
