/**
 * Validation of Dapr's alpha state query language: filter (EQ, NEQ, GT, GTE, LT, LTE, IN, AND,
 * OR, nestable), sort [{key, order: ASC|DESC}], page {limit, token}. Keys are dotted paths into
 * the JSON value. A malformed query is a BAD_REQUEST StateError.
 */
import { StateError, type QueryFilter, type StateQuery } from '../contract';

const LEAF_OPS = new Set(['EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'IN']);

function bad(msg: string): StateError {
  return new StateError('BAD_REQUEST', `invalid query: ${msg}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseFilter(raw: unknown, path = 'filter'): QueryFilter {
  if (!isObject(raw)) throw bad(`${path} must be an object`);
  const ops = Object.keys(raw);
  if (ops.length !== 1) throw bad(`${path} must have exactly one operator, got ${ops.length}`);
  const op = ops[0]!;
  const arg = raw[op];
  if (op === 'AND' || op === 'OR') {
    if (!Array.isArray(arg) || arg.length < 2) throw bad(`${path}.${op} must be an array of at least 2 filters`);
    const list = arg.map((f, i) => parseFilter(f, `${path}.${op}[${i}]`));
    return op === 'AND' ? { AND: list } : { OR: list };
  }
  if (!LEAF_OPS.has(op)) throw bad(`${path}: unknown operator ${op}`);
  if (!isObject(arg)) throw bad(`${path}.${op} must be an object {"<key>": <value>}`);
  const keys = Object.keys(arg);
  if (keys.length !== 1) throw bad(`${path}.${op} must name exactly one key`);
  const value = arg[keys[0]!];
  if (op === 'IN') {
    if (!Array.isArray(value) || value.length === 0) throw bad(`${path}.IN.${keys[0]} must be a non-empty array`);
  } else if (value === null || (typeof value === 'object')) {
    throw bad(`${path}.${op}.${keys[0]} must be a string, number or boolean`);
  }
  return { [op]: { [keys[0]!]: value } } as unknown as QueryFilter;
}

export function parseQuery(raw: unknown): StateQuery {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw bad('query must be a JSON object');
  const out: { filter?: QueryFilter; sort?: StateQuery['sort']; page?: StateQuery['page'] } = {};
  if (raw.filter !== undefined && !(isObject(raw.filter) && Object.keys(raw.filter).length === 0)) out.filter = parseFilter(raw.filter);
  if (raw.sort !== undefined) {
    if (!Array.isArray(raw.sort)) throw bad('sort must be an array');
    out.sort = raw.sort.map((s: unknown, i) => {
      if (!isObject(s) || typeof s.key !== 'string' || s.key === '') throw bad(`sort[${i}].key must be a non-empty string`);
      const order = s.order === undefined ? 'ASC' : s.order;
      if (order !== 'ASC' && order !== 'DESC') throw bad(`sort[${i}].order must be ASC or DESC`);
      return { key: s.key, order };
    });
  }
  if (raw.page !== undefined) {
    if (!isObject(raw.page)) throw bad('page must be an object');
    const { limit, token } = raw.page;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) throw bad('page.limit must be a non-negative integer');
    if (token !== undefined && typeof token !== 'string') throw bad('page.token must be a string');
    out.page = { ...(limit !== undefined ? { limit } : {}), ...(token ? { token } : {}) };
  }
  return out;
}
