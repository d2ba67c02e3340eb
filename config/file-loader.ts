/** Listing resource files in folders and reading one file into per-document outcomes. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceIssue } from './issues';
import { readDocument, type DocumentOptions, type DocumentOutcome, type LoadContext } from './resource-document';
import { parseYamlDocuments } from './yaml-documents';

export interface FileResult {
  file: string;
  /** Raw text as read (the watcher compares it to skip unchanged files). */
  text?: string;
  /** Set when the file could not be read or parsed; then `docs` is empty. */
  fileIssue?: ResourceIssue;
  docs: DocumentOutcome[];
}

const yamlFile = /\.ya?ml$/i;

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The YAML files to load for the given paths, in order: for a folder its top-level *.yaml/*.yml
 * files sorted by name (like daprd), for a file the file itself. Unreadable paths are issues.
 */
export async function listResourceFiles(paths: readonly string[]): Promise<{ files: string[]; issues: ResourceIssue[] }> {
  const files: string[] = [];
  const issues: ResourceIssue[] = [];
  const seen = new Set<string>();
  const add = (f: string): void => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) {
        add(p);
        continue;
      }
      const names = (await readdir(p)).filter((n) => yamlFile.test(n)).sort();
      for (const n of names) {
        const full = join(p, n);
        const s = await stat(full).catch(() => undefined);
        if (s?.isFile()) add(full);
      }
    } catch (e) {
      issues.push({ code: 'READ_ERROR', file: p, docIndex: -1, path: '', message: `cannot read resources path: ${errorMessage(e)}` });
    }
  }
  return { files, issues };
}

/** Parses `text` as the content of `file`. */
export function readResourceText(file: string, text: string, ctx: LoadContext, opts: DocumentOptions): FileResult {
  const parsed = parseYamlDocuments(text, file);
  if (!parsed.ok) return { file, text, fileIssue: parsed.issue, docs: [] };
  return { file, text, docs: parsed.docs.map((d) => readDocument(file, d, ctx, opts)) };
}

export async function readResourceFile(file: string, ctx: LoadContext, opts: DocumentOptions): Promise<FileResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { file, fileIssue: { code: 'READ_ERROR', file, docIndex: -1, path: '', message: `cannot read file: ${errorMessage(e)}` }, docs: [] };
  }
  return readResourceText(file, text, ctx, opts);
}
