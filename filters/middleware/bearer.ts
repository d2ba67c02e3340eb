/**
 * middleware.http.bearer: the request must carry `Authorization: Bearer <JWT>` signed by a key of
 * the issuer's JWKS (metadata jwksURL; when absent, discovered from the issuer's
 * /.well-known/openid-configuration), with the configured `issuer` and `audience`. Otherwise 401.
 * Validation uses jose; the key set is fetched lazily and cached by jose (with cooldown on
 * unknown key ids). A missing or malformed header is refused synchronously.
 */
import type { JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { Continue, Stop, type Exchange, type FilterFactory, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { MiddlewareDeps } from '../registry';
import { asMetadata, field } from './metadata';

export interface BearerConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksURL?: string;
}

const unauthorized = daprError(401, 'ERR_UNAUTHORIZED', 'invalid or missing bearer token', GrpcCode.UNAUTHENTICATED);

async function discoverJwks(issuer: string): Promise<URL> {
  // undici is loaded when a bearer middleware first fetches its issuer's keys, not at start-up.
  const { request } = require('undici') as typeof import('undici');
  const res = await request(issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration', { signal: AbortSignal.timeout(5000) });
  const doc = (await res.body.json()) as { jwks_uri?: unknown };
  if (res.statusCode !== 200 || typeof doc.jwks_uri !== 'string') throw new Error('OpenID configuration has no jwks_uri');
  return new URL(doc.jwks_uri);
}

export const bearerFactory: FilterFactory<BearerConfig, MiddlewareDeps> = {
  type: 'middleware.http.bearer',
  parse(raw) {
    const md = asMetadata(raw);
    if (Array.isArray(md)) return { ok: false, issues: md };
    const issuer = field(md, 'issuer');
    const audience = field(md, 'audience');
    const jwksURL = field(md, 'jwksURL');
    const issues = [];
    if (!issuer) issues.push({ path: 'spec.metadata.issuer', message: 'required' });
    if (!audience) issues.push({ path: 'spec.metadata.audience', message: 'required' });
    if (jwksURL) {
      try { new URL(jwksURL); } catch { issues.push({ path: 'spec.metadata.jwksURL', message: 'not a URL' }); }
    }
    if (issues.length || !issuer || !audience) return { ok: false, issues };
    return { ok: true, config: { issuer, audience, ...(jwksURL ? { jwksURL } : {}) } };
  },
  create(config, deps): HttpFilter {
    // jose is an ES module: loaded once, asynchronously (validation is asynchronous anyway).
    const jose = import('jose');
    let keys: JWTVerifyGetKey | undefined;
    let discovering: Promise<JWTVerifyGetKey> | undefined;
    const keySet = (): JWTVerifyGetKey | Promise<JWTVerifyGetKey> => {
      if (keys) return keys;
      discovering ??= Promise.all([jose, config.jwksURL ? new URL(config.jwksURL) : discoverJwks(config.issuer)]).then(
        ([j, url]) => (keys = j.createRemoteJWKSet(url)),
        (err: unknown) => { discovering = undefined; throw err; },
      );
      return discovering;
    };
    const deny = (ex: Exchange, reason: string): FilterStatus => {
      deps.stats.bearerDenied(deps.name, reason);
      sendLocalReply(ex, unauthorized);
      return Stop;
    };
    return {
      name: `bearer:${deps.name}`,
      onRequest(ex): FilterStatus | Promise<FilterStatus> {
        const auth = ex.headers.authorization;
        if (typeof auth !== 'string' || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return deny(ex, 'missing');
        const token = auth.slice(7).trim();
        if (token.split('.').length !== 3) return deny(ex, 'malformed');
        return Promise.all([jose, keySet()])
          .then(([j, k]) => j.jwtVerify(token, k, { issuer: config.issuer, audience: config.audience }))
          .then(
            () => Continue,
            (err: unknown) => {
              deps.logger.debug('bearer token rejected', { middleware: deps.name, error: (err as Error).message });
              return deny(ex, 'invalid');
            },
          );
      },
    };
  },
};
