/**
 * Errors on the request path are values, not exceptions: a DaprError describes a local reply
 * that each protocol head renders in its own shape (HTTP JSON body, gRPC status + details).
 */

/** gRPC status codes (google.rpc.Code), used for the gRPC rendering of an error. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCodeValue = (typeof GrpcCode)[keyof typeof GrpcCode];

/** google.rpc.ErrorInfo-style detail, as Dapr's rich errors carry. */
export interface ErrorInfoDetail {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: string;
  domain: string;
  metadata?: Record<string, string>;
}
export interface ResourceInfoDetail {
  '@type': 'type.googleapis.com/google.rpc.ResourceInfo';
  resource_type: string;
  resource_name: string;
  owner?: string;
  description?: string;
}
export interface BadRequestDetail {
  '@type': 'type.googleapis.com/google.rpc.BadRequest';
  field_violations: Array<{ field: string; description: string }>;
}
export type ErrorDetail = ErrorInfoDetail | ResourceInfoDetail | BadRequestDetail;

export interface DaprError {
  readonly kind: 'dapr-error';
  /** HTTP status for the HTTP rendering. */
  readonly status: number;
  /** Dapr error code, e.g. ERR_DIRECT_INVOKE. */
  readonly errorCode: string;
  readonly message: string;
  /** gRPC status for the gRPC rendering. */
  readonly grpcCode: GrpcCodeValue;
  readonly details?: readonly ErrorDetail[];
  /** Render the HTTP body as plain text instead of JSON (Dapr does this for a bad API token). */
  readonly plainText?: boolean;
}

export function daprError(
  status: number,
  errorCode: string,
  message: string,
  grpcCode: GrpcCodeValue = grpcCodeForHttpStatus(status),
  details?: readonly ErrorDetail[],
): DaprError {
  return details ? { kind: 'dapr-error', status, errorCode, message, grpcCode, details } : { kind: 'dapr-error', status, errorCode, message, grpcCode };
}

export function isDaprError(value: unknown): value is DaprError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'dapr-error';
}

/** An ErrorInfo detail in Dapr's domain. */
export function errorInfo(reason: string, metadata?: Record<string, string>): ErrorInfoDetail {
  return metadata
    ? { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'dapr.io', metadata }
    : { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'dapr.io' };
}

/** The mapping grpc-gateway and Dapr use between HTTP statuses and gRPC codes. */
export function grpcCodeForHttpStatus(status: number): GrpcCodeValue {
  switch (status) {
    case 400: return GrpcCode.INVALID_ARGUMENT;
    case 401: return GrpcCode.UNAUTHENTICATED;
    case 403: return GrpcCode.PERMISSION_DENIED;
    case 404: return GrpcCode.NOT_FOUND;
    case 409: return GrpcCode.ABORTED;
    case 412: return GrpcCode.FAILED_PRECONDITION;
    case 413: return GrpcCode.RESOURCE_EXHAUSTED;
    case 429: return GrpcCode.RESOURCE_EXHAUSTED;
    case 499: return GrpcCode.CANCELLED;
    case 501: return GrpcCode.UNIMPLEMENTED;
    case 503: return GrpcCode.UNAVAILABLE;
    case 504: return GrpcCode.DEADLINE_EXCEEDED;
    default: return status >= 500 ? GrpcCode.INTERNAL : status >= 400 ? GrpcCode.UNKNOWN : GrpcCode.OK;
  }
}

/** The HTTP status Dapr uses when relaying a gRPC code over HTTP. */
export function httpStatusForGrpcCode(code: number): number {
  switch (code) {
    case GrpcCode.OK: return 200;
    case GrpcCode.CANCELLED: return 499;
    case GrpcCode.INVALID_ARGUMENT: return 400;
    case GrpcCode.DEADLINE_EXCEEDED: return 504;
    case GrpcCode.NOT_FOUND: return 404;
    case GrpcCode.ALREADY_EXISTS: return 409;
    case GrpcCode.PERMISSION_DENIED: return 403;
    case GrpcCode.RESOURCE_EXHAUSTED: return 429;
    case GrpcCode.FAILED_PRECONDITION: return 400;
    case GrpcCode.ABORTED: return 409;
    case GrpcCode.OUT_OF_RANGE: return 400;
    case GrpcCode.UNIMPLEMENTED: return 501;
    case GrpcCode.UNAVAILABLE: return 503;
    case GrpcCode.UNAUTHENTICATED: return 401;
    default: return 500;
  }
}

/** The JSON body Dapr returns for an error over HTTP. */
export function httpErrorBody(err: DaprError): string {
  if (err.plainText) return err.message;
  return JSON.stringify(err.details && err.details.length > 0
    ? { errorCode: err.errorCode, message: err.message, details: err.details }
    : { errorCode: err.errorCode, message: err.message });
}
