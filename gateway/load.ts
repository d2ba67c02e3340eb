/**
 * Loading a gateway file: YAML (with line numbers) -> ${VAR} substitution -> schema -> cross-checks
 * (unknown clusters, bad regexes, unknown resolvers, unknown or misconfigured filters, per-route
 * overrides of filters that do not exist, unreadable or mismatched certificates and keys, JWKS
 * files, CIDRs). Files are resolved relative to the gateway file. Problems are ResourceIssues
 * naming the file and the field path; nothing throws.
 */
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { parseYamlDocuments } from '../config/yaml-documents';
import { fromZodIssues, formatIssue, type ResourceIssue } from '../config/issues';
import { substituteEnv } from '../config/env-substitution';
import { builtinResolvers } from '../discovery/registry';
import { middlewareFactory, middlewareTypes } from '../filters/registry';
import { gatewaySchema, GATEWAY_KIND, type GatewayConfig, type JwtAuthnConfig, type ListenerConfig, type RbacConfig } from './schema';
import { GATEWAY_FILTER_TYPES } from './filters';
import { parseSourceIp } from './rbac';
import { createLogger } from '../observability/logger';

const quiet = createLogger({ level: 'error', json: false, sink: () => undefined });

export type GatewayLoad = { readonly ok: true; readonly config: GatewayConfig; readonly file: string } | { readonly ok: false; readonly issues: ResourceIssue[] };

export async function loadGatewayFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ code: 'READ_ERROR', file, docIndex: -1, path: '', message: (err as Error).message }] };
  }
  return parseGatewayText(text, file, env);
}

export function parseGatewayText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): GatewayLoad {
  const parsed = parseYamlDocuments(text, file);
  if (!parsed.ok) return { ok: false, issues: [parsed.issue] };
  const doc = parsed.docs.find((d) => (d.value as { kind?: unknown } | null)?.kind === GATEWAY_KIND) ?? parsed.docs[0];
  if (!doc || doc.value === null || typeof doc.value !== 'object') {
    return { ok: false, issues: [{ code: 'INVALID', file, docIndex: -1, path: '', message: `no ${GATEWAY_KIND} document in the file` }] };
  }
  const sub = substituteEnv(doc.value, env);
  if (sub.problems.length) {
    return { ok: false, issues: sub.problems.map((p) => ({ code: 'ENV_MISSING' as const, file, docIndex: doc.index, path: p.path, message: p.message })) };
  }
  const name = (doc.value as { metadata?: { name?: unknown } }).metadata?.name;
  const base = { file, docIndex: doc.index, kind: GATEWAY_KIND, ...(typeof name === 'string' ? { name } : {}) };
  const result = gatewaySchema.safeParse(sub.value);
  if (!result.success) return { ok: false, issues: fromZodIssues(result.error.issues, base, doc.locate) };
  const issues = crossCheck(result.data, path.dirname(file)).map((i) => {
    const pos = doc.locate(i.path);
    return { code: 'INVALID' as const, ...base, path: i.pathText, message: i.message, ...(pos ? { line: pos.line, column: pos.column } : {}) };
  });
  if (issues.length) return { ok: false, issues };
  return { ok: true, config: resolveFiles(result.data, path.dirname(file)), file };
}

export function formatGatewayIssues(issues: readonly ResourceIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

interface Problem { path: (string | number)[]; pathText: string; message: string }

function compiles(re: string): string | undefined {
  try {
    new RegExp(re);
    return undefined;
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
}

function crossCheck(cfg: GatewayConfig, dir: string): Problem[] {
  const out: Problem[] = [];
  const add = (p: (string | number)[], message: string): void => {
    out.push({ path: p, pathText: p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join(''), message });
  };
  const clusters = new Set<string>();
  cfg.spec.clusters.forEach((c, ci) => {
    const at = ['spec', 'clusters', ci];
    if (clusters.has(c.name)) add([...at, 'name'], `duplicate cluster name "${c.name}"`);
    clusters.add(c.name);
    if (c.discovery) {
      const registry = builtinResolvers();
      const known = registry.names();
      if (!known.includes(c.discovery.resolver)) add([...at, 'discovery', 'resolver'], `unknown resolver "${c.discovery.resolver}" (known: ${known.join(', ')})`);
      else {
        // Creating a resolver only parses its configuration (nothing starts before init).
        const made = registry.create(c.discovery.resolver, c.discovery.configuration, quiet);
        if (made.ok) void made.resolver.close().catch(() => undefined);
        else add([...at, 'discovery', 'configuration'], made.message);
      }
    }
  });
  const listenerNames = new Set<string>();
  const ports = new Set<string>();
  cfg.spec.listeners.forEach((l, li) => {
    const at = ['spec', 'listeners', li];
    if (listenerNames.has(l.name)) add([...at, 'name'], `duplicate listener name "${l.name}"`);
    listenerNames.add(l.name);
    if (l.port !== 0 && ports.has(`${l.address}:${l.port}`)) add([...at, 'port'], `port ${l.port} is already used by another listener`);
    ports.add(`${l.address}:${l.port}`);
    checkTls(l, dir, [...at, 'tls'], add);
    const filterTypes = new Map<string, string>();
    l.http_filters.forEach((f, fi) => {
      const fp = [...at, 'http_filters', fi];
      if (filterTypes.has(f.name)) add([...fp, 'name'], `duplicate filter name "${f.name}"`);
      filterTypes.set(f.name, f.type);
      checkFilterConfig(f.type, f, fp, dir, add, l, l.http_filters.slice(0, fi).some((x) => x.type === 'jwt_authn'));
    });
    l.virtual_hosts.forEach((vh, vi) => vh.routes.forEach((r, ri) => {
      const rp = [...at, 'virtual_hosts', vi, 'routes', ri];
      const re = (p: (string | number)[], v: string | undefined): void => {
        const bad = v === undefined ? undefined : compiles(v);
        if (bad) add(p, bad);
      };
      re([...rp, 'match', 'safe_regex'], r.match.safe_regex);
      r.match.headers.forEach((h, i) => re([...rp, 'match', 'headers', i, 'regex'], h.regex));
      r.match.query_parameters.forEach((q, i) => re([...rp, 'match', 'query_parameters', i, 'regex'], q.regex));
      if (r.route) {
        re([...rp, 'route', 'regex_rewrite', 'pattern'], r.route.regex_rewrite?.pattern);
        if (r.route.cluster !== undefined && !clusters.has(r.route.cluster)) add([...rp, 'route', 'cluster'], `unknown cluster "${r.route.cluster}"`);
        r.route.weighted_clusters?.clusters.forEach((w, wi) => {
          if (!clusters.has(w.name)) add([...rp, 'route', 'weighted_clusters', 'clusters', wi, 'name'], `unknown cluster "${w.name}"`);
        });
        if (r.route.weighted_clusters && r.route.weighted_clusters.clusters.every((w) => w.weight === 0)) add([...rp, 'route', 'weighted_clusters'], 'at least one weight must be greater than 0');
      }
      for (const [name, o] of Object.entries(r.per_filter_config)) {
        const op = [...rp, 'per_filter_config', name];
        const type = filterTypes.get(name);
        if (type === undefined) { add(op, `no filter named "${name}" on listener ${l.name} (known: ${[...filterTypes.keys()].join(', ') || 'none'})`); continue; }
        const index = l.http_filters.findIndex((f) => f.name === name);
        checkFilterConfig(type, { ...o, metadata: o.metadata }, op, dir, add, l, l.http_filters.slice(0, index).some((x) => x.type === 'jwt_authn'), true);
      }
    }));
  });
  return out;
}

type Add = (p: (string | number)[], message: string) => void;

function readable(file: string, dir: string, p: (string | number)[], add: Add): Buffer | undefined {
  const full = path.resolve(dir, file);
  if (!existsSync(full)) { add(p, `file not found: ${file}`); return undefined; }
  try {
    return readFileSync(full);
  } catch (err) {
    add(p, `cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

function checkTls(l: ListenerConfig, dir: string, at: (string | number)[], add: Add): void {
  const t = l.tls;
  if (!t) return;
  t.certificates.forEach((c, i) => {
    const cp = [...at, 'certificates', i];
    const cert = readable(c.cert_file, dir, [...cp, 'cert_file'], add);
    const key = readable(c.key_file, dir, [...cp, 'key_file'], add);
    if (!cert || !key) return;
    try {
      tls.createSecureContext({ cert, key });
    } catch (err) {
      add(cp, `certificate and key do not load as a pair: ${(err as Error).message}`);
    }
  });
  if (t.client_validation) {
    const ca = readable(t.client_validation.ca_file, dir, [...at, 'client_validation', 'ca_file'], add);
    if (ca) {
      try { tls.createSecureContext({ ca }); } catch (err) { add([...at, 'client_validation', 'ca_file'], `not a PEM CA bundle: ${(err as Error).message}`); }
    }
  }
}

interface FilterSections { readonly metadata?: Record<string, string> | undefined; readonly jwt_authn?: JwtAuthnConfig | undefined; readonly rbac?: RbacConfig | undefined }

/** A filter's config (or a route's override of it) against its type. */
function checkFilterConfig(type: string, f: FilterSections, at: (string | number)[], dir: string, add: Add, l: ListenerConfig, jwtBefore: boolean, override = false): void {
  const own = (GATEWAY_FILTER_TYPES as readonly string[]).includes(type);
  if (f.jwt_authn && type !== 'jwt_authn') add([...at, 'jwt_authn'], `jwt_authn is only for a filter of type jwt_authn (this one is ${type})`);
  if (f.rbac && type !== 'rbac') add([...at, 'rbac'], `rbac is only for a filter of type rbac (this one is ${type})`);
  if (own && f.metadata !== undefined && Object.keys(f.metadata).length > 0) add([...at, 'metadata'], `a ${type} filter takes its config in ${type}, not metadata`);
  if (type === 'jwt_authn') {
    const j = f.jwt_authn;
    if (j?.local_jwks) {
      const text = readable(j.local_jwks.filename, dir, [...at, 'jwt_authn', 'local_jwks', 'filename'], add);
      if (text) {
        let keys: unknown;
        try { keys = (JSON.parse(text.toString('utf8')) as { keys?: unknown }).keys; } catch { /* reported below */ }
        if (!Array.isArray(keys)) add([...at, 'jwt_authn', 'local_jwks', 'filename'], `${j.local_jwks.filename} is not a JWKS (a JSON object with a keys array)`);
      }
    }
    return;
  }
  if (type === 'rbac') {
    f.rbac?.policies.forEach((p, pi) => {
      const pp = [...at, 'rbac', 'policies', pi, 'match'];
      const re = (q: (string | number)[], v: string | undefined): void => {
        const bad = v === undefined ? undefined : compiles(v);
        if (bad) add(q, bad);
      };
      p.match.paths?.forEach((m, i) => re([...pp, 'paths', i, 'regex'], m.regex));
      p.match.headers?.forEach((m, i) => re([...pp, 'headers', i, 'regex'], m.regex));
      p.match.jwt_claims?.forEach((m, i) => re([...pp, 'jwt_claims', i, 'regex'], m.regex));
      p.match.spiffe_ids?.forEach((m, i) => re([...pp, 'spiffe_ids', i, 'regex'], m.regex));
      p.match.source_ips?.forEach((ip, i) => { if (!parseSourceIp(ip)) add([...pp, 'source_ips', i], `not an IP address or CIDR: ${ip}`); });
      if (p.match.jwt_claims && !jwtBefore) add([...pp, 'jwt_claims'], 'jwt_claims need a jwt_authn filter before this rbac filter on the listener');
      if (p.match.spiffe_ids && !l.tls?.client_validation) add([...pp, 'spiffe_ids'], 'spiffe_ids need an https listener with tls.client_validation');
    });
    return;
  }
  const factory = middlewareFactory(type);
  if (!factory) {
    if (!override) add([...at, 'type'], `unknown filter type "${type}" (known: ${[...GATEWAY_FILTER_TYPES, ...middlewareTypes()].join(', ')})`);
    return;
  }
  if (override && f.metadata === undefined) return;
  const parsed = factory.parse(f.metadata ?? {});
  if (!parsed.ok) for (const i of parsed.issues) add([...at, 'metadata'], `${i.path.replace(/^spec\.metadata\.?/, '') || 'metadata'}: ${i.message}`);
}

/** File paths become absolute (relative to the gateway file). */
function resolveFiles(cfg: GatewayConfig, dir: string): GatewayConfig {
  const abs = (f: string): string => path.resolve(dir, f);
  const jwt = (j: JwtAuthnConfig | undefined): void => { if (j?.local_jwks) j.local_jwks.filename = abs(j.local_jwks.filename); };
  for (const l of cfg.spec.listeners) {
    for (const c of l.tls?.certificates ?? []) {
      c.cert_file = abs(c.cert_file);
      c.key_file = abs(c.key_file);
    }
    if (l.tls?.client_validation) l.tls.client_validation.ca_file = abs(l.tls.client_validation.ca_file);
    for (const f of l.http_filters) jwt(f.jwt_authn);
    for (const vh of l.virtual_hosts) for (const r of vh.routes) for (const o of Object.values(r.per_filter_config)) jwt(o.jwt_authn);
  }
  return cfg;
}
