/**
 * The Dapr errors of the state API (codes, statuses, gRPC codes and rich details as daprd sends).
 */
import { daprError, errorInfo, GrpcCode, type DaprError, type ErrorDetail } from '../../errors/dapr-error';
import { isStateError } from '../../components/state/contract';

const resource = (store: string): ErrorDetail => ({ '@type': 'type.googleapis.com/google.rpc.ResourceInfo', resource_type: 'state', resource_name: store, owner: '', description: '' });
const appMeta = (appId: string): Record<string, string> | undefined => (appId ? { appID: appId } : undefined);

export const StateErrors = {
  notConfigured: (store: string, appId: string): DaprError =>
    daprError(500, 'ERR_STATE_STORE_NOT_CONFIGURED', `state store ${store} is not configured`, GrpcCode.FAILED_PRECONDITION, [errorInfo('DAPR_STATE_NOT_CONFIGURED', appMeta(appId))]),
  notFound: (store: string, appId: string): DaprError =>
    daprError(400, 'ERR_STATE_STORE_NOT_FOUND', `state store ${store} is not found`, GrpcCode.INVALID_ARGUMENT, [errorInfo('DAPR_STATE_NOT_FOUND', appMeta(appId))]),
  illegalKey: (store: string, key: string, msg: string): DaprError =>
    daprError(400, 'ERR_MALFORMED_REQUEST', msg, GrpcCode.INVALID_ARGUMENT, [
      resource(store),
      errorInfo('DAPR_STATE_ILLEGAL_KEY'),
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', field_violations: [{ field: key, description: msg }] },
    ]),
  malformed: (msg: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', msg, GrpcCode.INVALID_ARGUMENT),
  transactionsNotSupported: (store: string): DaprError =>
    daprError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', `state store ${store} doesn't support transactions`, GrpcCode.UNIMPLEMENTED, [
      resource(store),
      errorInfo('DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED'),
    ]),
  queryNotSupported: (store: string): DaprError =>
    daprError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', 'state store does not support querying', GrpcCode.INTERNAL, [
      resource(store),
      errorInfo('DAPR_STATE_QUERYING_NOT_SUPPORTED'),
    ]),
  tooManyOperations: (store: string, count: number, max: number): DaprError =>
    daprError(400, 'ERR_STATE_STORE_TOO_MANY_TRANSACTIONS', `the transaction contains ${count} operations, which is more than what the state store supports: ${max}`, GrpcCode.INVALID_ARGUMENT, [
      resource(store),
      errorInfo('DAPR_STATE_TOO_MANY_TRANSACTIONS', { currentOpsTransaction: String(count), maxOpsPerTransaction: String(max) }),
    ]),
  unsupportedOperation: (op: string): DaprError =>
    daprError(400, 'ERR_NOT_SUPPORTED_STATE_OPERATION', `operation type ${op} not supported`, GrpcCode.INVALID_ARGUMENT),
  queryFailed: (store: string, detail: string): DaprError =>
    daprError(500, 'ERR_STATE_QUERY', `state store ${store} query failed: ${detail}`, GrpcCode.INTERNAL, [resource(store), errorInfo('DAPR_STATE_QUERY_FAILED')]),
};

/**
 * A store failure during one operation: ETag mismatch → 409 (gRPC Aborted), invalid ETag and bad
 * requests → 400 (InvalidArgument), anything else → 500 (Internal). `describe` formats Dapr's message.
 */
export function storeFailure(e: unknown, errorCode: string, describe: (msg: string) => string): DaprError {
  const msg = e instanceof Error ? e.message : String(e);
  if (isStateError(e)) {
    switch (e.code) {
      case 'ETAG_MISMATCH': return daprError(409, errorCode, describe(msg), GrpcCode.ABORTED);
      case 'ETAG_INVALID':
      case 'BAD_REQUEST':
      case 'TOO_MANY_OPERATIONS': return daprError(400, errorCode, describe(msg), GrpcCode.INVALID_ARGUMENT);
      case 'NOT_SUPPORTED': return daprError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', describe(msg), GrpcCode.UNIMPLEMENTED);
    }
  }
  return daprError(500, errorCode, describe(msg), GrpcCode.INTERNAL);
}
