/**
 * --enable-api-logging: one info line per API call once it completes (protocol, method, path,
 * status, duration). Headers are never logged, so tokens cannot leak; the query string is left out
 * because it may carry secrets too.
 */
import { Continue, type Exchange, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import type { Logger } from '../../observability/logger';

export function createApiLoggingFilter(log: Logger): HttpFilter {
  return {
    name: 'api-logging',
    onRequest(ex: Exchange): FilterStatus {
      const path = ex.path; // as called: the invocation head later rewrites ex.path to the app's path
      ex.res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - ex.startTime) / 1e6;
        const grpcStatus = ex.protocol === 'grpc' ? ex.res.getHeader('grpc-status') : undefined;
        log.info('API call', {
          protocol: ex.protocol,
          method: ex.method,
          path,
          api: ex.route?.api ?? 'unknown',
          status: ex.res.statusCode,
          ...(grpcStatus !== undefined ? { grpc_status: String(grpcStatus) } : {}),
          ...(ex.targetAppId ? { target: ex.targetAppId } : {}),
          duration_ms: Math.round(ms * 100) / 100,
        });
      });
      return Continue;
    },
  };
}
