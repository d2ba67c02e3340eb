/**
 * Standalone-mode authentication for Sentry: a token policy file (--token-file).
 *
 * Why not "one shared secret"? A single secret proves only "I am one of ours", so any holder could
 * ask for any app's identity; the issue requires a request for another identity to be refused.
 * So the file maps each secret to the identities it may obtain, and each sidecar gets only its
 * own secret (in the file named by DAPR_SENTRY_TOKEN_FILE, which holds just that secret):
 *
 *   # YAML or JSON
 *   tokens:
 *     - token: "a-long-random-secret-for-orders"    # at least 16 characters
 *       identities: ["default/orders"]               # <namespace>/<appId>
 *     - token: "another-long-random-secret"
 *       identities: ["staging/*", "other.domain/prod/checkout"]  # <trustDomain>/<ns>/<appId>
 *
 * The map form `tokens: { "<secret>": ["ns/app", ...] }` is accepted too. A pattern has two
 * segments (namespace/appId, in Sentry's --trust-domain) or three (trustDomain/namespace/appId);
 * a segment `*` matches any value. Secrets are compared in constant time (SHA-256 digests with
 * timingSafeEqual, every entry checked). The file is re-read when it changes; a broken edit keeps
 * the previous policy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CertsError } from '../errors';
import type { SpiffeIdentity } from '../spiffe';
import type { Logger } from '../../observability/logger';

interface Entry {
  digest: Buffer;
  patterns: string[][]; // each [trustDomain, namespace, appId] with '*' wildcards
}

export type AuthorizeResult = { ok: true } | { ok: false; status: 'unauthenticated' | 'permission-denied'; reason: string };

export const MIN_TOKEN_LENGTH = 16;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Parses policy text; throws CertsError('ERR_CERTS_TOKEN_FILE') with the reason. */
export function parseTokenPolicy(text: string, defaultTrustDomain: string): Entry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CertsError('ERR_CERTS_TOKEN_FILE', `token file is not YAML/JSON: ${(e as Error).message}`);
  }
  const tokens = (doc as { tokens?: unknown } | null)?.tokens;
  const raw: [unknown, unknown][] = Array.isArray(tokens)
    ? tokens.map((t: { token?: unknown; identities?: unknown } | null) => [t?.token, t?.identities])
    : tokens && typeof tokens === 'object'
      ? Object.entries(tokens)
      : [];
  if (raw.length === 0) throw new CertsError('ERR_CERTS_TOKEN_FILE', 'token file must have a non-empty "tokens" list or map');
  return raw.map(([token, identities], i) => {
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH)
      throw new CertsError('ERR_CERTS_TOKEN_FILE', `tokens[${i}]: token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
    if (!Array.isArray(identities) || identities.length === 0 || !identities.every((x) => typeof x === 'string'))
      throw new CertsError('ERR_CERTS_TOKEN_FILE', `tokens[${i}]: identities must be a non-empty list of strings`);
    const patterns = (identities as string[]).map((p) => {
      const seg = p.split('/');
      if (seg.length === 2) return [defaultTrustDomain, ...seg];
      if (seg.length === 3) return seg;
      throw new CertsError('ERR_CERTS_TOKEN_FILE', `tokens[${i}]: identity pattern "${p}" must be ns/appId or trustDomain/ns/appId`);
    });
    if (patterns.some((s) => s.some((x) => x === '')))
      throw new CertsError('ERR_CERTS_TOKEN_FILE', `tokens[${i}]: identity patterns must not have empty segments`);
    return { digest: digest(token), patterns };
  });
}

function matches(patterns: string[][], id: SpiffeIdentity): boolean {
  const want = [id.trustDomain, id.namespace, id.appId];
  return patterns.some((p) => p.every((seg, i) => seg === '*' || seg === want[i]));
}

export class TokenPolicy {
  private entries: Entry[];
  private mtimeMs: number;

  constructor(
    private readonly file: string,
    private readonly defaultTrustDomain: string,
    private readonly log?: Logger,
  ) {
    const { entries, mtimeMs } = this.read();
    this.entries = entries;
    this.mtimeMs = mtimeMs;
  }

  private read(): { entries: Entry[]; mtimeMs: number } {
    let text: string;
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(this.file).mtimeMs;
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      throw new CertsError('ERR_CERTS_TOKEN_FILE', `cannot read token file ${this.file}: ${(e as Error).message}`);
    }
    return { entries: parseTokenPolicy(text, this.defaultTrustDomain), mtimeMs };
  }

  private refresh(): void {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(this.file).mtimeMs;
    } catch {
      return; // file briefly missing (being replaced): keep the current policy
    }
    if (mtimeMs === this.mtimeMs) return;
    try {
      const next = this.read();
      this.entries = next.entries;
      this.mtimeMs = next.mtimeMs;
      this.log?.info('token policy reloaded', { file: this.file, tokens: next.entries.length });
    } catch (e) {
      this.mtimeMs = mtimeMs; // do not retry a broken file on every request
      this.log?.error('token policy reload failed; keeping the previous policy', { file: this.file, error: e });
    }
  }

  /** Is `token` a known secret, and may it obtain `identity`? */
  authorize(token: string, identity: SpiffeIdentity): AuthorizeResult {
    this.refresh();
    const d = digest(token);
    let allowed: string[][] | undefined;
    for (const e of this.entries) {
      // Every entry is compared, so timing does not tell which (or whether any) matched.
      if (timingSafeEqual(d, e.digest)) allowed = allowed ? allowed.concat(e.patterns) : e.patterns;
    }
    if (!allowed) return { ok: false, status: 'unauthenticated', reason: 'unknown token' };
    if (!matches(allowed, identity))
      return { ok: false, status: 'permission-denied', reason: `token does not allow identity ${identity.trustDomain}/${identity.namespace}/${identity.appId}` };
    return { ok: true };
  }
}
