/** gRPC head of the lock API: TryLockAlpha1 and UnlockAlpha1. */
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import { LockApi, type LockApiDeps, type Result } from './lock-api';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw connectErrorFromDaprError(r.error);
  return r.value;
}

export function lockGrpcHandlers(deps: LockApiDeps | LockApi): DaprServicePart {
  const api = deps instanceof LockApi ? deps : new LockApi(deps);
  return {
    async tryLockAlpha1(req) {
      return { success: unwrap(await api.tryLock(req.storeName, req.resourceId, req.lockOwner, req.expiryInSeconds)) };
    },
    async unlockAlpha1(req) {
      return { status: unwrap(await api.unlock(req.storeName, req.resourceId, req.lockOwner)) };
    },
  };
}
