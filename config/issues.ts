/**
 * ResourceIssue: one problem found while loading a resource file, located by file, document
 * index and a field path. Issues are values; loaders never throw for a bad resource.
 */
import type { z } from 'zod';

/** Stable codes, so callers can react without parsing messages. */
export type ResourceIssueCode =
  | 'READ_ERROR' // file or folder could not be read
  | 'YAML_SYNTAX' // the file is not valid YAML (line/column set)
  | 'INVALID' // the document does not match its kind's schema
  | 'ENV_MISSING' // ${VAR} without default and VAR unset
  | 'DUPLICATE' // same kind + name already loaded from an earlier document
  | 'METADATA'; // component metadata could not be resolved (secret, store)

export interface ResourceIssue {
  code: ResourceIssueCode;
  /** The file path as given to the loader (folder + file name). */
  file: string;
  /** 0-based index of the YAML document in the file; -1 for file-level problems. */
  docIndex: number;
  kind?: string;
  name?: string;
  /** Field path like `spec.metadata[2].value`; empty for document- or file-level problems. */
  path: string;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
  column?: number;
}

const identifier = /^[A-Za-z_$][\w$-]*$/;

/** ["spec","metadata",2,"value"] -> "spec.metadata[2].value"; odd keys become ["a.b"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (identifier.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** One line: `components/redis.yaml: spec.metadata[2].value: expected string`. */
export function formatIssue(issue: ResourceIssue): string {
  if (issue.code === 'YAML_SYNTAX' && issue.line !== undefined) {
    return `${issue.file}: line ${issue.line}, column ${issue.column ?? 1}: ${issue.message}`;
  }
  const where = issue.path !== '' ? `${issue.path}: ` : '';
  const what = issue.path === '' && issue.kind && issue.name ? `${issue.kind} ${issue.name}: ` : '';
  return `${issue.file}: ${what}${where}${issue.message}`;
}

/** Zod issue messages without zod's "Invalid input: " prefix, which adds nothing here. */
function cleanMessage(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

/** Converts zod issues (paths relative to the document root) into ResourceIssues. */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  base: Pick<ResourceIssue, 'file' | 'docIndex' | 'kind' | 'name'>,
  locate?: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined,
): ResourceIssue[] {
  return issues.map((i) => {
    const issue: ResourceIssue = { code: 'INVALID', ...base, path: formatPath(i.path), message: cleanMessage(i.message) };
    const pos = locate?.(i.path);
    if (pos) {
      issue.line = pos.line;
      issue.column = pos.column;
    }
    return issue;
  });
}
