/**
 * DAPR_API_TOKEN enforcement, as daprd does it: every API call must carry the `dapr-api-token`
 * header (gRPC: metadata) with the configured token. Only the exact health paths are exempt.
 * The header is removed once checked, so it is never forwarded (nor logged by later filters).
 */
import { timingSafeEqual } from 'node:crypto';
import { Continue, Stop, type Exchange, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import { Errors } from '../../errors/codes';

export const API_TOKEN_HEADER = 'dapr-api-token';

const EXEMPT_PATHS = new Set(['/v1.0/healthz', '/v1.0/healthz/outbound']);

const grpcMissing = daprError(401, 'ERR_API_TOKEN', 'missing api token in request metadata', GrpcCode.UNAUTHENTICATED);
const grpcMismatch = daprError(401, 'ERR_API_TOKEN', 'authentication error: api token mismatch', GrpcCode.UNAUTHENTICATED);
const httpInvalid = Errors.invalidApiToken();

export function createApiTokenFilter(token: string): HttpFilter {
  const expected = Buffer.from(token, 'utf8');
  const matches = (got: string): boolean => {
    const b = Buffer.from(got, 'utf8');
    return b.length === expected.length && timingSafeEqual(b, expected);
  };
  return {
    name: 'api-token',
    onRequest(ex: Exchange): FilterStatus {
      if (ex.protocol === 'http' && EXEMPT_PATHS.has(ex.path) && (ex.method === 'GET' || ex.method === 'HEAD')) {
        delete ex.headers[API_TOKEN_HEADER];
        return Continue;
      }
      const raw = ex.headers[API_TOKEN_HEADER];
      const got = Array.isArray(raw) ? raw[0] : raw;
      if (got === undefined || !matches(got)) {
        sendLocalReply(ex, ex.protocol === 'grpc' ? (got === undefined ? grpcMissing : grpcMismatch) : httpInvalid);
        return Stop;
      }
      delete ex.headers[API_TOKEN_HEADER];
      return Continue;
    },
  };
}
