/**
 * The inbound (callee-side) access-control filter. Runs on the sidecar-to-sidecar listener after
 * the method path was normalised once (runtime/internal-dispatch.ts), so the operation checked is
 * exactly the path the app receives: no encoding trick reaches a denied operation. Denials are
 * 403 ERR_DIRECT_INVOKE and counted. Decides synchronously.
 */
import { Continue, Stop, type Exchange, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import type { AccessControlPolicy } from './acl-policy';
import type { FilterStats } from '../metrics/filter-stats';

export interface AclFilterOptions {
  readonly policy: AccessControlPolicy;
  /** True when the app speaks gRPC: verbs are not checked (as daprd). */
  readonly grpcApp: boolean;
  readonly stats: FilterStats;
}

export function createAclFilter(opts: AclFilterOptions): HttpFilter {
  const { policy, grpcApp, stats } = opts;
  return {
    name: 'access-control',
    onRequest(ex: Exchange): FilterStatus {
      const operation = ex.invokeMethod ?? ex.path.slice(1);
      const d = policy.decide(ex.caller, operation, grpcApp ? undefined : ex.method);
      const level = d.level === 'global' ? 'global' : 'app';
      stats.aclDecision(level, d.allowed, ex.caller);
      if (d.allowed) return Continue;
      sendLocalReply(ex, Errors.invokeDenied(ex.caller?.appId || '<unknown>', `/${operation} verb: ${ex.method}`));
      return Stop;
    },
  };
}
