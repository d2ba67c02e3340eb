/**
 * Pure parts of hot reload: applying a changed file while keeping what was good before, and
 * diffing two loads into per-kind changes.
 *
 * Keep rules (a bad resource on reload keeps the old one running):
 * - YAML syntax error or unreadable file: the file's previous resources are all kept;
 * - an invalid document whose kind and name can be read: the previous resource of that kind and
 *   name from this file (if any) is kept; valid documents apply;
 * - an invalid document without a readable name: the file's previous resources are all kept.
 */
import type { FileResult } from './file-loader';
import type { ResourceIssue } from './issues';
import type { FileResources } from './loader';
import { RESOURCE_KINDS, resourcesOfKind, type LoadedResource, type LoadedResources, type ResourceKind } from './resource-kinds';

/** An issue found during a reload; `keptPrevious` says an older version stays in effect. */
export interface ResourceWatcherIssue extends ResourceIssue {
  keptPrevious: boolean;
}

export interface ResourceChange<R extends LoadedResource = LoadedResource> {
  kind: ResourceKind;
  added: R[];
  /** Same kind and name as before, different content (compared by source.digest). */
  updated: R[];
  removed: R[];
}

const KEPT = ' (the previously loaded version is kept)';

function kept(issue: ResourceIssue, keptPrevious: boolean): ResourceWatcherIssue {
  return { ...issue, message: keptPrevious ? issue.message + KEPT : issue.message, keptPrevious };
}

/** New contribution of a re-read file, given what the file contributed before (if anything). */
export function applyFileReload(result: FileResult, previous: FileResources | undefined): { next: FileResources; issues: ResourceWatcherIssue[] } {
  const old = previous?.resources ?? [];
  if (result.fileIssue) {
    const keep = old.length > 0;
    return { next: { file: result.file, resources: old, issues: [result.fileIssue] }, issues: [kept(result.fileIssue, keep)] };
  }
  const resources: LoadedResource[] = [];
  const fileIssues: ResourceIssue[] = [];
  const reported: ResourceWatcherIssue[] = [];
  let keepAll = false;
  for (const d of result.docs) {
    if (d.status === 'loaded') {
      resources.push(d.resource);
    } else if (d.status === 'invalid') {
      fileIssues.push(...d.issues);
      const prior = d.kind && d.name !== undefined ? old.find((r) => r.kind === d.kind && r.metadata.name === d.name) : undefined;
      if (d.kind === undefined || d.name === undefined) {
        keepAll = old.length > 0;
        reported.push(...d.issues.map((i) => kept(i, keepAll)));
      } else {
        if (prior) resources.push(prior);
        reported.push(...d.issues.map((i) => kept(i, prior !== undefined)));
      }
    }
  }
  return { next: { file: result.file, resources: keepAll ? old : resources, issues: fileIssues }, issues: reported };
}

/** Per-kind differences between two loads; kinds without differences are left out. */
export function diffResources(before: LoadedResources, after: LoadedResources): ResourceChange[] {
  const changes: ResourceChange[] = [];
  for (const kind of RESOURCE_KINDS) {
    const prev = new Map(resourcesOfKind(before, kind).map((r) => [r.metadata.name, r]));
    const next = new Map(resourcesOfKind(after, kind).map((r) => [r.metadata.name, r]));
    const change: ResourceChange = { kind, added: [], updated: [], removed: [] };
    for (const [name, r] of next) {
      const p = prev.get(name);
      if (!p) change.added.push(r);
      else if (p.source.digest !== r.source.digest) change.updated.push(r);
    }
    for (const [name, r] of prev) if (!next.has(name)) change.removed.push(r);
    if (change.added.length + change.updated.length + change.removed.length > 0) changes.push(change);
  }
  return changes;
}
