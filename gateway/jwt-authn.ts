/**
 * The gateway's jwt_authn filter (Envoy's JWT authentication, one provider per filter): the token
 * of `Authorization: Bearer <JWT>` must verify against the provider's JWKS (remote, cached by
 * jose, or a local file) with its issuer, one of its audiences and within the clock skew. A
 * verified payload is kept on the exchange for rbac (jwt_claims) and, when configured, forwarded
 * upstream (whole, as base64url JSON, and/or claim by claim as headers). Headers the filter sets
 * are always removed from the incoming request first, so a client cannot forge them.
 * Refusals are 401 ERR_GATEWAY_JWT (gRPC UNAUTHENTICATED) with a WWW-Authenticate header.
 */
import { readFileSync } from 'node:fs';
import type { JWTPayload, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { Continue, Stop, type Exchange, type FilterStatus, type HttpFilter } from '../proxy/contracts';
import { sendLocalReply } from '../proxy/local-reply';
import { daprError, GrpcCode } from '../errors/dapr-error';
import type { Logger } from '../observability/logger';
import type { GatewayStats } from './stats';
import type { JwtAuthnConfig } from './schema';

/** ex.scratch key of the verified payload (read by rbac). */
export const JWT_PAYLOAD = 'jwt_authn.payload';

const refused = (why: string) => daprError(401, 'ERR_GATEWAY_JWT', `Jwt ${why}`, GrpcCode.UNAUTHENTICATED);
const MISSING = refused('is missing');
const MALFORMED = refused('is not a compact JWS');
const INVALID = refused('verification fails');

export function verifiedClaims(ex: Exchange): JWTPayload | undefined {
  return ex.scratch?.get(JWT_PAYLOAD) as JWTPayload | undefined;
}

/** A claim by dotted path ("realm_access.roles"). */
export function claimAt(payload: JWTPayload | undefined, path: string): unknown {
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function headerText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export interface JwtAuthnDeps {
  readonly name: string;
  readonly stats: GatewayStats;
  readonly logger: Logger;
}

export function createJwtAuthn(config: JwtAuthnConfig, deps: JwtAuthnDeps): HttpFilter {
  const jose = import('jose');
  let keys: JWTVerifyGetKey | undefined;
  const keySet = async (): Promise<JWTVerifyGetKey> => {
    if (keys) return keys;
    const j = await jose;
    keys = config.remote_jwks
      ? j.createRemoteJWKSet(new URL(config.remote_jwks.uri), { cacheMaxAge: config.remote_jwks.cache_duration, timeoutDuration: 5000 })
      : j.createLocalJWKSet(JSON.parse(readFileSync(config.local_jwks!.filename, 'utf8')) as Parameters<typeof j.createLocalJWKSet>[0]);
    return keys;
  };
  const options = {
    issuer: config.issuer,
    ...(config.audiences ? { audience: config.audiences } : {}),
    clockTolerance: Math.round(config.clock_skew / 1000),
  };
  const setHeaders = [...(config.forward_payload_header ? [config.forward_payload_header] : []), ...config.claim_to_headers.map((c) => c.header)].map((h) => h.toLowerCase());
  const deny = (ex: Exchange, reason: string, err: ReturnType<typeof refused>): FilterStatus => {
    deps.stats.jwtRefused(deps.name, reason);
    if (!ex.res.headersSent && ex.protocol === 'http') ex.res.setHeader('www-authenticate', reason === 'missing' ? 'Bearer realm="gateway"' : 'Bearer realm="gateway", error="invalid_token"');
    sendLocalReply(ex, err);
    return Stop;
  };
  const accept = (ex: Exchange, payload: JWTPayload): FilterStatus => {
    (ex.scratch ??= new Map()).set(JWT_PAYLOAD, payload);
    const h = ex.headers;
    if (!config.forward) delete h.authorization;
    if (config.forward_payload_header) h[config.forward_payload_header.toLowerCase()] = Buffer.from(JSON.stringify(payload)).toString('base64url');
    for (const c of config.claim_to_headers) {
      const v = headerText(claimAt(payload, c.claim));
      if (v !== undefined) h[c.header.toLowerCase()] = v;
    }
    return Continue;
  };
  return {
    name: `jwt_authn:${deps.name}`,
    onRequest(ex): FilterStatus | Promise<FilterStatus> {
      for (const name of setHeaders) delete ex.headers[name];
      const auth = ex.headers.authorization;
      if (typeof auth !== 'string' || auth.length < 7 || auth.slice(0, 7).toLowerCase() !== 'bearer ') {
        return config.allow_missing && auth === undefined ? Continue : deny(ex, 'missing', MISSING);
      }
      const token = auth.slice(7).trim();
      if (token.split('.').length !== 3) return deny(ex, 'malformed', MALFORMED);
      return Promise.all([jose, keySet()])
        .then(([j, k]) => j.jwtVerify(token, k, options))
        .then(
          (r) => accept(ex, r.payload),
          (err: unknown) => {
            deps.logger.debug('JWT rejected', { filter: deps.name, error: (err as Error).message });
            return deny(ex, 'invalid', INVALID);
          },
        );
    },
  };
}
