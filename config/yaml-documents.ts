/**
 * Multi-document YAML parsing with line information. A file with a syntax error is rejected as a
 * whole (like daprd) and reported with its line and column.
 */
import type { Document } from 'yaml';
import type { ResourceIssue } from './issues';

export interface YamlDocument {
  index: number;
  /** Plain JS value of the document (null for an empty document). */
  value: unknown;
  /** 1-based line/column of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PropertyKey[]): { line: number; column: number } | undefined;
}

export type YamlParseResult = { ok: true; docs: YamlDocument[] } | { ok: false; issue: ResourceIssue };

export function parseYamlDocuments(text: string, file: string): YamlParseResult {
  // yaml is loaded with the first file read: start-up with no resource files does not load it.
  const { LineCounter, parseAllDocuments, isNode } = require('yaml') as typeof import('yaml');
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false });
  const all: Document[] = Array.isArray(parsed) ? parsed : [];
  for (let i = 0; i < all.length; i++) {
    const err = (all[i] as Document).errors[0];
    if (err) {
      const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
      return {
        ok: false,
        issue: { code: 'YAML_SYNTAX', file, docIndex: i, path: '', message: err.message.split('\n')[0] ?? err.message, line: pos.line, column: pos.col },
      };
    }
  }
  const docs: YamlDocument[] = [];
  for (let i = 0; i < all.length; i++) {
    const doc = all[i] as Document;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { ok: false, issue: { code: 'YAML_SYNTAX', file, docIndex: i, path: '', message } };
    }
    docs.push({
      index: i,
      value,
      locate: (path) => {
        for (let n = path.length; n >= 0; n--) {
          const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
          if (isNode(node) && node.range) {
            const p = lineCounter.linePos(node.range[0]);
            return { line: p.line, column: p.col };
          }
        }
        return undefined;
      },
    });
  }
  return { ok: true, docs };
}
