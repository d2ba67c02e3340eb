/**
 * Turns one parsed YAML document into a resource, or says why not:
 * env substitution -> scope/namespace filter -> kind schema. Filtering happens before schema
 * validation so resources meant for other apps/namespaces never produce noise.
 */
import type { Logger } from '../observability/logger';
import { substituteEnv } from './env-substitution';
import { fromZodIssues, type ResourceIssue } from './issues';
import { isResourceKind, schemaOf, type LoadedResource, type ResourceKind } from './resource-kinds';
import type { YamlDocument } from './yaml-documents';

export interface LoadContext {
  appId: string;
  namespace: string;
  /** Variables for `${VAR}` substitution; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Receives debug lines for ignored/filtered documents. */
  logger?: Logger;
}

export type DocumentOutcome =
  | { status: 'loaded'; resource: LoadedResource }
  | { status: 'invalid'; kind?: ResourceKind; name?: string; issues: ResourceIssue[] }
  | { status: 'ignored'; reason: string };

export interface DocumentOptions {
  /** Apply scopes/namespace filtering (false for the --config file). */
  filter: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Key-order-independent JSON, so equal content gives equal digests. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** "is required" instead of zod's "expected string, received undefined" for absent fields. */
function requiredMessage(iss: { code?: string; input?: unknown; expected?: unknown }): string | undefined {
  if (iss.code === 'invalid_type' && iss.input === undefined) return `required field is missing (expected ${String(iss.expected)})`;
  return undefined;
}

export function readDocument(file: string, doc: YamlDocument, ctx: LoadContext, opts: DocumentOptions): DocumentOutcome {
  const raw = doc.value;
  if (raw === null || raw === undefined) return { status: 'ignored', reason: 'empty document' };
  if (!isRecord(raw)) {
    return { status: 'invalid', issues: [{ code: 'INVALID', file, docIndex: doc.index, path: '', message: 'expected a YAML mapping (a resource with apiVersion, kind, metadata)' }] };
  }
  if (!isResourceKind(raw.kind)) {
    const reason = `kind ${JSON.stringify(raw.kind ?? null)} is not a resource kind Outrigger loads`;
    ctx.logger?.debug('ignoring document', { file, doc: doc.index, reason });
    return { status: 'ignored', reason };
  }
  const kind = raw.kind;
  const { value, problems } = substituteEnv(raw, ctx.env ?? process.env);
  const subst = value as Record<string, unknown>;
  const meta = isRecord(subst.metadata) ? subst.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const base = { file, docIndex: doc.index, kind, ...(name !== undefined ? { name } : {}) };

  if (opts.filter) {
    const scopes = subst.scopes;
    if (Array.isArray(scopes) && scopes.length > 0 && !scopes.some((s) => typeof s === 'string' && s.trim() === ctx.appId)) {
      ctx.logger?.debug('resource not scoped to this app', { file, kind, name, appId: ctx.appId });
      return { status: 'ignored', reason: `scopes do not include ${ctx.appId}` };
    }
    const ns = meta.namespace;
    if (typeof ns === 'string' && ns !== '' && ns !== ctx.namespace) {
      ctx.logger?.debug('resource belongs to another namespace', { file, kind, name, namespace: ns });
      return { status: 'ignored', reason: `namespace ${ns} is not ${ctx.namespace}` };
    }
  }

  if (problems.length > 0) {
    const issues = problems.map((p): ResourceIssue => {
      const issue: ResourceIssue = { code: 'ENV_MISSING', ...base, path: p.path, message: p.message };
      return issue;
    });
    return { status: 'invalid', kind, ...(name !== undefined ? { name } : {}), issues };
  }

  const parsed = schemaOf(kind).safeParse(subst, { error: requiredMessage });
  if (!parsed.success) {
    return { status: 'invalid', kind, ...(name !== undefined ? { name } : {}), issues: fromZodIssues(parsed.error.issues, base, doc.locate) };
  }
  const resource = { ...parsed.data, source: { file, docIndex: doc.index, digest: canonicalJson(subst) } } as LoadedResource;
  return { status: 'loaded', resource };
}
