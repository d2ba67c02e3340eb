/**
 * One table of the Dapr errors the foundation produces. Building blocks add their own constructors
 * next to their logic, using daprError() and the codes Dapr defines (see shared/dapr-api.md).
 */
import { daprError, errorInfo, GrpcCode, type DaprError } from './dapr-error';

export const Errors = {
  invalidApiToken: (): DaprError => ({ ...daprError(401, 'ERR_API_TOKEN', 'invalid api token', GrpcCode.UNAUTHENTICATED), plainText: true }),
  notFoundRoute: (method: string, path: string): DaprError =>
    daprError(404, 'ERR_NOT_FOUND', `method ${method} is not allowed for path ${path}`, GrpcCode.NOT_FOUND),
  methodNotAllowed: (method: string, path: string): DaprError =>
    daprError(405, 'ERR_METHOD_NOT_ALLOWED', `method ${method} is not allowed for path ${path}`, GrpcCode.UNIMPLEMENTED),
  unimplemented: (what: string): DaprError =>
    daprError(501, 'ERR_NOT_IMPLEMENTED', `${what} is not implemented`, GrpcCode.UNIMPLEMENTED),
  noAppId: (): DaprError =>
    daprError(404, 'ERR_DIRECT_INVOKE', 'failed getting app id either from the URL path or the header dapr-app-id', GrpcCode.NOT_FOUND),
  invalidAppId: (appId: string, why: string): DaprError =>
    daprError(400, 'ERR_DIRECT_INVOKE', `invalid app id ${appId}: ${why}`, GrpcCode.INVALID_ARGUMENT),
  invokeFailed: (appId: string, why: string): DaprError =>
    daprError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: ${why}`, GrpcCode.INTERNAL),
  invokeDenied: (appId: string, why: string): DaprError =>
    daprError(403, 'ERR_DIRECT_INVOKE', `access control policy has denied access to id: ${appId} operation: ${why}`, GrpcCode.PERMISSION_DENIED),
  appUnhealthy: (appId: string): DaprError =>
    daprError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: app is not healthy`, GrpcCode.UNAVAILABLE),
  noAppChannel: (): DaprError =>
    daprError(500, 'ERR_DIRECT_INVOKE', 'failed to invoke: app channel is not initialized (no --app-port)', GrpcCode.INTERNAL),
  bodyTooLarge: (limit: number): DaprError =>
    daprError(413, 'ERR_BODY_TOO_LARGE', `request body exceeds the maximum of ${limit} bytes (--max-body-size)`, GrpcCode.RESOURCE_EXHAUSTED),
  headersTooLarge: (limit: number): DaprError =>
    daprError(431, 'ERR_HEADERS_TOO_LARGE', `request headers exceed the maximum of ${limit} bytes (--dapr-http-read-buffer-size)`, GrpcCode.RESOURCE_EXHAUSTED),
  badPath: (why: string): DaprError =>
    daprError(400, 'ERR_MALFORMED_REQUEST', `invalid method path: ${why}`, GrpcCode.INVALID_ARGUMENT),
  malformedRequest: (why: string): DaprError =>
    daprError(400, 'ERR_MALFORMED_REQUEST', why, GrpcCode.INVALID_ARGUMENT),
  healthNotReady: (targets: string[]): DaprError =>
    daprError(500, 'ERR_HEALTH_NOT_READY', `dapr is not ready: [${targets.join(' ')}]`, GrpcCode.UNAVAILABLE),
  healthAppIdMismatch: (): DaprError =>
    daprError(500, 'ERR_HEALTH_APPID_NOT_MATCH', 'dapr app-id does not match', GrpcCode.INVALID_ARGUMENT),
  outboundNotReady: (): DaprError =>
    daprError(500, 'ERR_OUTBOUND_HEALTH_NOT_READY', 'dapr outbound is not ready', GrpcCode.UNAVAILABLE),
  metadataSet: (why: string): DaprError =>
    daprError(400, 'ERR_METADATA_SET', why, GrpcCode.INVALID_ARGUMENT),
  shuttingDown: (): DaprError =>
    daprError(503, 'ERR_SHUTTING_DOWN', 'the sidecar is shutting down', GrpcCode.UNAVAILABLE),
  internal: (why: string): DaprError =>
    daprError(500, 'ERROR', why, GrpcCode.INTERNAL, [errorInfo('DAPR_INTERNAL')]),
} as const;
