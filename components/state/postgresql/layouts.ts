/**
 * The two table layouts of Dapr's state.postgresql:
 * v1: value jsonb + isbinary, ETag = the row's xmin, expiredate;
 * v2: value bytea, ETag = a uuid column, expires_at.
 * Each layout is a set of statements with the same parameters, so the store logic is shared.
 */
import { decodeValue, encodeValue } from '../common/json-value';

export interface PgRow {
  key: string;
  value: string | Buffer;
  isbinary?: boolean;
  etag: string;
  expires: Date | null;
}

export interface Layout {
  readonly version: 'v1' | 'v2';
  createTable(t: string): string;
  /** $1 key → one live row. */
  get(t: string): string;
  /** $1 prefix → live rows. */
  scan(t: string): string;
  /** $1 key, $2 value, $3 isbinary, $4 new etag (v2), $5 expiry → upsert. */
  upsert(t: string): string;
  /** Same params → insert only when absent (rowCount 0 = exists). */
  insert(t: string): string;
  /** Same params + $6 expected etag → update only a live row with that etag. */
  update(t: string): string;
  /** $1 key, $2 etag → delete a live row with that etag. */
  deleteIf(t: string): string;
  deleteExpired(t: string, keyed: boolean): string;
  encode(value: Buffer): { value: string | Buffer; isBinary: boolean };
  decode(row: PgRow): Buffer;
  /** Whether an ETag has this layout's format (else ETAG_INVALID). */
  validEtag(etag: string): boolean;
}

const V1_LIVE = '(expiredate IS NULL OR expiredate > CURRENT_TIMESTAMP)';
export const layoutV1: Layout = {
  version: 'v1',
  createTable: (t) => `CREATE TABLE IF NOT EXISTS ${t} (key text NOT NULL PRIMARY KEY, value jsonb NOT NULL, isbinary boolean NOT NULL,
    insertdate TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(), updatedate TIMESTAMP WITH TIME ZONE NULL, expiredate TIMESTAMP WITH TIME ZONE NULL)`,
  get: (t) => `SELECT key, value::text AS value, isbinary, xmin::text AS etag, expiredate AS expires FROM ${t} WHERE key = $1 AND ${V1_LIVE}`,
  scan: (t) => `SELECT key, value::text AS value, isbinary, xmin::text AS etag, expiredate AS expires FROM ${t} WHERE starts_with(key, $1) AND ${V1_LIVE}`,
  upsert: (t) => `INSERT INTO ${t} (key, value, isbinary, expiredate) VALUES ($1, $2::jsonb, $3, $5) ON CONFLICT (key) DO UPDATE
    SET value = excluded.value, isbinary = excluded.isbinary, expiredate = excluded.expiredate, updatedate = NOW() WHERE $4::text IS NOT NULL OR TRUE`,
  insert: (t) => `INSERT INTO ${t} (key, value, isbinary, expiredate) VALUES ($1, $2::jsonb, $3, $5) ON CONFLICT (key) DO NOTHING RETURNING $4::text`,
  update: (t) => `UPDATE ${t} SET value = $2::jsonb, isbinary = $3, expiredate = $5, updatedate = NOW() WHERE key = $1 AND xmin::text = $6 AND ${V1_LIVE} AND ($4::text IS NOT NULL OR TRUE)`,
  deleteIf: (t) => `DELETE FROM ${t} WHERE key = $1 AND xmin::text = $2 AND ${V1_LIVE}`,
  deleteExpired: (t, keyed) => `DELETE FROM ${t} WHERE expiredate IS NOT NULL AND expiredate <= CURRENT_TIMESTAMP${keyed ? ' AND key = $1' : ''}`,
  encode: (value) => {
    const e = encodeValue(value);
    return { value: e.text, isBinary: e.isBinary };
  },
  decode: (row) => decodeValue(String(row.value), row.isbinary ?? false),
  validEtag: (etag) => /^\d+$/.test(etag),
};

const V2_LIVE = '(expires_at IS NULL OR expires_at > CURRENT_TIMESTAMP)';
export const layoutV2: Layout = {
  version: 'v2',
  createTable: (t) => `CREATE TABLE IF NOT EXISTS ${t} (key text NOT NULL PRIMARY KEY, value bytea NOT NULL, etag uuid NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NULL, updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
  get: (t) => `SELECT key, value, etag::text AS etag, expires_at AS expires FROM ${t} WHERE key = $1 AND ${V2_LIVE}`,
  scan: (t) => `SELECT key, value, etag::text AS etag, expires_at AS expires FROM ${t} WHERE starts_with(key, $1) AND ${V2_LIVE}`,
  upsert: (t) => `INSERT INTO ${t} (key, value, etag, expires_at) VALUES ($1, $2, $4::uuid, $5) ON CONFLICT (key) DO UPDATE
    SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at, updated_at = CURRENT_TIMESTAMP WHERE $3::boolean IS NOT NULL OR TRUE`,
  insert: (t) => `INSERT INTO ${t} (key, value, etag, expires_at) VALUES ($1, $2, $4::uuid, $5) ON CONFLICT (key) DO NOTHING RETURNING $3::boolean`,
  update: (t) => `UPDATE ${t} SET value = $2, etag = $4::uuid, expires_at = $5, updated_at = CURRENT_TIMESTAMP WHERE key = $1 AND etag::text = $6 AND ${V2_LIVE} AND ($3::boolean IS NOT NULL OR TRUE)`,
  deleteIf: (t) => `DELETE FROM ${t} WHERE key = $1 AND etag::text = $2 AND ${V2_LIVE}`,
  deleteExpired: (t, keyed) => `DELETE FROM ${t} WHERE expires_at IS NOT NULL AND expires_at <= CURRENT_TIMESTAMP${keyed ? ' AND key = $1' : ''}`,
  encode: (value) => ({ value, isBinary: true }),
  decode: (row) => (Buffer.isBuffer(row.value) ? row.value : Buffer.from(row.value)),
  validEtag: (etag) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(etag),
};
