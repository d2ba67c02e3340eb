/**
 * middleware.http.routerchecker: the request path must match the `rule` regular expression
 * (compiled once); otherwise 400 "invalid router", as Dapr's middleware answers.
 */
import { Continue, Stop, type FilterFactory, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { MiddlewareDeps } from '../registry';
import { asMetadata, field } from './metadata';

export interface RouterCheckerConfig {
  readonly rule: RegExp;
}

const invalid = { ...daprError(400, 'ERR_INVALID_ROUTER', 'invalid router', GrpcCode.INVALID_ARGUMENT), plainText: true };

export const routerCheckerFactory: FilterFactory<RouterCheckerConfig, MiddlewareDeps> = {
  type: 'middleware.http.routerchecker',
  parse(raw) {
    const md = asMetadata(raw);
    if (Array.isArray(md)) return { ok: false, issues: md };
    const rule = field(md, 'rule');
    if (!rule) return { ok: false, issues: [{ path: 'spec.metadata.rule', message: 'a regular expression is required' }] };
    try {
      return { ok: true, config: { rule: new RegExp(rule) } };
    } catch (err) {
      return { ok: false, issues: [{ path: 'spec.metadata.rule', message: `invalid regular expression: ${(err as Error).message}` }] };
    }
  },
  create(config, deps): HttpFilter {
    const rule = config.rule;
    return {
      name: `routerchecker:${deps.name}`,
      onRequest(ex): FilterStatus {
        if (rule.test(ex.path)) return Continue;
        sendLocalReply(ex, invalid);
        return Stop;
      },
    };
  },
};
