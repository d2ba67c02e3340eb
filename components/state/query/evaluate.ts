/**
 * Runs a parsed query over items in memory: filter, sort, then page (token = offset of the next
 * page). Drivers without a native query engine scan their key prefix and hand the rows here.
 */
import { StateError, type QueryFilter, type StateQuery, type StateQueryResult } from '../contract';

export interface QueryRow {
  readonly key: string;
  readonly data: Buffer;
  readonly etag?: string;
}

interface ParsedRow extends QueryRow {
  readonly value: unknown;
}

/** Value at a dotted path, or undefined. */
export function valueAt(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  return compare(a, b) === 0;
}

export function matches(filter: QueryFilter, value: unknown): boolean {
  if ('AND' in filter) return filter.AND.every((f) => matches(f, value));
  if ('OR' in filter) return filter.OR.some((f) => matches(f, value));
  if ('IN' in filter) {
    const [path, list] = Object.entries(filter.IN)[0]!;
    const v = valueAt(value, path);
    return list.some((x) => equal(v, x));
  }
  const [op, arg] = Object.entries(filter)[0] as [string, Record<string, unknown>];
  const [path, want] = Object.entries(arg)[0]!;
  const got = valueAt(value, path);
  const c = compare(got, want);
  switch (op) {
    case 'EQ': return c === 0;
    case 'NEQ': return c !== 0;
    case 'GT': return c !== undefined && c > 0;
    case 'GTE': return c !== undefined && c >= 0;
    case 'LT': return c !== undefined && c < 0;
    case 'LTE': return c !== undefined && c <= 0;
    default: return false;
  }
}

/** Missing or non-comparable values sort first in ASC order. */
function sortRows(rows: ParsedRow[], sort: NonNullable<StateQuery['sort']>): void {
  rows.sort((x, y) => {
    for (const s of sort) {
      const a = valueAt(x.value, s.key);
      const b = valueAt(y.value, s.key);
      let c: number;
      if (a === undefined && b === undefined) c = 0;
      else if (a === undefined) c = -1;
      else if (b === undefined) c = 1;
      else c = compare(a, b) ?? String(a).localeCompare(String(b));
      if (c !== 0) return s.order === 'DESC' ? -c : c;
    }
    return x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
  });
}

export function runQuery(rows: Iterable<QueryRow>, query: StateQuery): StateQueryResult {
  const parsed: ParsedRow[] = [];
  for (const r of rows) {
    let value: unknown;
    try {
      value = JSON.parse(r.data.toString('utf8'));
    } catch {
      continue; // non-JSON values never match a query
    }
    if (query.filter && !matches(query.filter, value)) continue;
    parsed.push({ ...r, value });
  }
  if (query.sort && query.sort.length > 0) sortRows(parsed, query.sort);
  else parsed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  let offset = 0;
  if (query.page?.token) {
    if (!/^\d+$/.test(query.page.token)) throw new StateError('BAD_REQUEST', `invalid query: page.token "${query.page.token}" is not valid`);
    offset = Number(query.page.token);
  }
  const limit = query.page?.limit && query.page.limit > 0 ? query.page.limit : undefined;
  const end = limit === undefined ? parsed.length : Math.min(parsed.length, offset + limit);
  const page = parsed.slice(offset, end).map(({ key, data, etag }) => (etag === undefined ? { key, data } : { key, data, etag }));
  return end < parsed.length && limit !== undefined ? { results: page, token: String(end) } : { results: page };
}
