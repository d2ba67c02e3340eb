/**
 * Loading Dapr resources from --resources-path folders and the --config file.
 *
 * Every returned resource is `Loaded<T>`: the parsed resource plus `source: {file, docIndex,
 * digest}`. Problems never throw: they are ResourceIssues, and the offending document (or file,
 * for YAML syntax errors) is skipped while the rest loads.
 */
import { listResourceFiles, readResourceFile, type FileResult } from './file-loader';
import type { ResourceIssue } from './issues';
import type { LoadContext } from './resource-document';
import { addResource, emptyResources, type LoadedResource, type LoadedResources } from './resource-kinds';
import type { ConfigurationResource } from './schemas/configuration';
import type { Loaded } from './schemas/common';

/** What one file contributes: its resources (in document order) and its own issues. */
export interface FileResources {
  file: string;
  resources: LoadedResource[];
  issues: ResourceIssue[];
}

export function fileResources(r: FileResult): FileResources {
  const resources: LoadedResource[] = [];
  const issues: ResourceIssue[] = r.fileIssue ? [r.fileIssue] : [];
  for (const d of r.docs) {
    if (d.status === 'loaded') resources.push(d.resource);
    else if (d.status === 'invalid') issues.push(...d.issues);
  }
  return { file: r.file, resources, issues };
}

/**
 * Combines per-file results in order. A second resource with the same kind and name is
 * reported (DUPLICATE) and skipped; the first one wins.
 */
export function mergeFileResources(files: readonly FileResources[], extraIssues: readonly ResourceIssue[] = []): LoadedResources {
  const out = emptyResources();
  out.issues.push(...extraIssues);
  const seen = new Map<string, LoadedResource>();
  for (const f of files) {
    out.issues.push(...f.issues);
    for (const r of f.resources) {
      const key = `${r.kind}/${r.metadata.name}`;
      const first = seen.get(key);
      if (first) {
        out.issues.push({
          code: 'DUPLICATE',
          file: r.source.file,
          docIndex: r.source.docIndex,
          kind: r.kind,
          name: r.metadata.name,
          path: 'metadata.name',
          message: `duplicate ${r.kind} name ${JSON.stringify(r.metadata.name)}, already loaded from ${first.source.file} (document ${first.source.docIndex}); this one is skipped`,
        });
        continue;
      }
      seen.set(key, r);
      addResource(out, r);
    }
  }
  return out;
}

/** Loads every resource in the given folders (top-level *.yaml/*.yml) or files. */
export async function loadResourceFiles(paths: readonly string[], ctx: LoadContext): Promise<LoadedResources> {
  const { files, issues } = await listResourceFiles(paths);
  const results = await Promise.all(files.map((f) => readResourceFile(f, ctx, { filter: true })));
  return mergeFileResources(results.map(fileResources), issues);
}

export interface ConfigurationFileResult {
  configuration?: Loaded<ConfigurationResource>;
  issues: ResourceIssue[];
}

/** The first Configuration document of `result` (other kinds in the file are ignored). */
export function configurationFrom(result: FileResult): ConfigurationFileResult {
  const issues: ResourceIssue[] = result.fileIssue ? [result.fileIssue] : [];
  for (const d of result.docs) {
    if (d.status === 'loaded' && d.resource.kind === 'Configuration') return { configuration: d.resource, issues };
    if (d.status === 'invalid' && (d.kind === 'Configuration' || d.kind === undefined)) {
      issues.push(...d.issues);
      if (d.kind === 'Configuration') return { issues };
    }
  }
  if (issues.length === 0) {
    issues.push({ code: 'INVALID', file: result.file, docIndex: -1, path: '', message: 'no document of kind Configuration found' });
  }
  return { issues };
}

/**
 * Loads the --config file: the first `kind: Configuration` document, without scope/namespace
 * filtering (the file was named explicitly). A missing or invalid file yields issues and no
 * configuration; the caller decides whether that is fatal (daprd exits).
 */
export async function loadConfigurationFile(path: string, ctx: LoadContext): Promise<ConfigurationFileResult> {
  return configurationFrom(await readResourceFile(path, ctx, { filter: false }));
}
