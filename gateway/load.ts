/**
 * Loading a gateway file: YAML (with line numbers) -> ${VAR} substitution -> schema -> cross-checks
 * (unknown clusters, bad regexes, unknown resolvers, unknown or misconfigured filters, unreadable
 * certificates). Problems are ResourceIssues naming the file and the field path; nothing throws.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseYamlDocuments } from '../config/yaml-documents';
import { fromZodIssues, formatIssue, type ResourceIssue } from '../config/issues';
import { substituteEnv } from '../config/env-substitution';
import { builtinResolvers } from '../discovery/registry';
import { middlewareFactory, middlewareTypes } from '../filters/registry';
import { gatewaySchema, GATEWAY_KIND, type GatewayConfig } from './schema';

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
      const known = builtinResolvers().names();
      if (!known.includes(c.discovery.resolver)) add([...at, 'discovery', 'resolver'], `unknown resolver "${c.discovery.resolver}" (known: ${known.join(', ')})`);
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
    l.tls?.certificates.forEach((c, i) => {
      for (const k of ['cert_file', 'key_file'] as const) {
        if (!existsSync(path.resolve(dir, c[k]))) add([...at, 'tls', 'certificates', i, k], `file not found: ${c[k]}`);
      }
    });
    l.http_filters.forEach((f, fi) => {
      const factory = middlewareFactory(f.type);
      if (!factory) return add([...at, 'http_filters', fi, 'type'], `unknown filter type "${f.type}" (known: ${middlewareTypes().join(', ')})`);
      const parsed = factory.parse(f.metadata);
      if (!parsed.ok) for (const i of parsed.issues) add([...at, 'http_filters', fi, 'metadata'], `${i.path.replace(/^spec\.metadata\.?/, '') || 'metadata'}: ${i.message}`);
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
    }));
  });
  return out;
}

/** Certificate paths become absolute (relative to the gateway file). */
function resolveFiles(cfg: GatewayConfig, dir: string): GatewayConfig {
  for (const l of cfg.spec.listeners) for (const c of l.tls?.certificates ?? []) {
    c.cert_file = path.resolve(dir, c.cert_file);
    c.key_file = path.resolve(dir, c.key_file);
  }
  return cfg;
}
