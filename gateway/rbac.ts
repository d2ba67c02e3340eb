/**
 * The gateway's rbac filter: ordered policies, each an action (allow / deny) and conditions on
 * the request (methods, paths, headers, verified JWT claims, client certificate SPIFFE id, source
 * address). Every listed condition must hold; within one condition's list any entry may match; a
 * policy without conditions matches every request. The first matching policy decides; when none
 * does, default_action. A denial is 403 ERR_GATEWAY_ACCESS_DENIED (gRPC PERMISSION_DENIED).
 * Everything is compiled once per config load; a decision is synchronous.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { Continue, Stop, type Exchange, type FilterStatus, type HttpFilter } from '../proxy/contracts';
import { sendLocalReply } from '../proxy/local-reply';
import { daprError, GrpcCode } from '../errors/dapr-error';
import { headerValue, valueTest, type ValueTest } from './matchers';
import { claimAt, verifiedClaims } from './jwt-authn';
import { clientSpiffeId } from './client-cert';
import type { GatewayStats } from './stats';
import type { RbacConfig } from './schema';

const denied = daprError(403, 'ERR_GATEWAY_ACCESS_DENIED', 'RBAC: access denied', GrpcCode.PERMISSION_DENIED);

type Condition = (ex: Exchange) => boolean;

/** A CIDR ("10.0.0.0/8", "::1/128") or a plain address; undefined when neither. */
export function parseSourceIp(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits] = text.split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) return undefined;
  return { address, prefix, family };
}

function claimMatches(test: ValueTest, v: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => claimMatches(test, x));
  if (v === undefined || v === null) return test(undefined);
  return test(typeof v === 'object' ? JSON.stringify(v) : String(v));
}

function compileConditions(m: RbacConfig['policies'][number]['match']): Condition[] {
  const out: Condition[] = [];
  if (m.methods) {
    const set = new Set(m.methods);
    out.push((ex) => set.has(ex.method.toUpperCase()));
  }
  if (m.paths) {
    const tests = m.paths.map(valueTest);
    out.push((ex) => tests.some((t) => t(ex.path)));
  }
  if (m.headers) {
    const tests = m.headers.map((h) => ({ name: h.name, test: valueTest(h) }));
    out.push((ex) => tests.some((t) => t.test(headerValue(ex.headers, t.name))));
  }
  if (m.jwt_claims) {
    const tests = m.jwt_claims.map((c) => ({ name: c.name, test: valueTest(c) }));
    out.push((ex) => {
      const payload = verifiedClaims(ex);
      return tests.some((t) => claimMatches(t.test, claimAt(payload, t.name)));
    });
  }
  if (m.spiffe_ids) {
    const tests = m.spiffe_ids.map(valueTest);
    out.push((ex) => {
      const id = clientSpiffeId(ex);
      return id !== undefined && tests.some((t) => t(id));
    });
  }
  if (m.source_ips) {
    const list = new BlockList();
    for (const s of m.source_ips) {
      const p = parseSourceIp(s)!; // load.ts refused anything else
      list.addSubnet(p.address, p.prefix, p.family);
    }
    out.push((ex) => {
      let ip = ex.req.socket?.remoteAddress ?? '';
      if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) ip = ip.slice(7);
      const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
      return family !== undefined && list.check(ip, family);
    });
  }
  return out;
}

export interface RbacDeps {
  readonly name: string;
  readonly stats: GatewayStats;
}

export function createRbac(config: RbacConfig, deps: RbacDeps): HttpFilter {
  const policies = config.policies.map((p) => ({ name: p.name, action: p.action, conditions: compileConditions(p.match) }));
  return {
    name: `rbac:${deps.name}`,
    onRequest(ex): FilterStatus {
      let policy = 'default';
      let action = config.default_action;
      for (const p of policies) {
        if (p.conditions.every((c) => c(ex))) {
          policy = p.name;
          action = p.action;
          break;
        }
      }
      deps.stats.rbacDecision(deps.name, policy, action);
      if (action === 'allow') return Continue;
      sendLocalReply(ex, denied);
      return Stop;
    },
  };
}
