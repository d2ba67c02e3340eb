/**
 * The state building block, modelled on Dapr's state.Store. Values are raw bytes: the API layer
 * decides what they mean (the JSON of an HTTP value, the bytes of a gRPC value). Keys reaching a
 * store are already prefixed (appid||key ...) and values already encrypted when the component asks
 * for it: prefixing and encryption live once in api/state, never in a driver.
 *
 * Failures: a driver rejects with a StateError for expected failures (ETag mismatch, bad request,
 * unsupported), any other rejection is an unexpected store failure. The API maps them once.
 */
import type { ComponentInstance } from '../contract';

/** Capabilities a store may declare (Dapr's names, listed by the metadata API). */
export const StateFeature = {
  ETAG: 'ETAG',
  TRANSACTIONAL: 'TRANSACTIONAL',
  TTL: 'TTL',
  QUERY_API: 'QUERY_API',
  ACTOR: 'ACTOR',
  DELETE_WITH_PREFIX: 'DELETE_WITH_PREFIX',
} as const;

export type Concurrency = 'first-write' | 'last-write';
export type Consistency = 'strong' | 'eventual';

export interface StateOptions {
  readonly concurrency?: Concurrency;
  readonly consistency?: Consistency;
}

export interface StateGetRequest {
  readonly key: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly consistency?: Consistency;
}

export interface StateItem {
  readonly data: Buffer;
  /** Opaque version; absent for stores without ETAG. */
  readonly etag?: string;
  /** e.g. ttlExpireTime (RFC 3339, UTC). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface StateSetRequest {
  readonly key: string;
  readonly value: Buffer;
  /** When given, the write succeeds only if the stored item has this ETag. */
  readonly etag?: string;
  /** ttlInSeconds (-1 = never), contentType, ... */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly options?: StateOptions;
}

export interface StateDeleteRequest {
  readonly key: string;
  readonly etag?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly options?: StateOptions;
}

export type StateOperation =
  | { readonly operation: 'upsert'; readonly request: StateSetRequest }
  | { readonly operation: 'delete'; readonly request: StateDeleteRequest };

export interface BulkGetItem {
  readonly key: string;
  readonly item?: StateItem;
  /** Per-key failure (other keys still answer). */
  readonly error?: string;
}

/** Query filter as Dapr's alpha query language writes it (one operator key per object). */
export type QueryFilter =
  | { readonly EQ: Readonly<Record<string, unknown>> }
  | { readonly NEQ: Readonly<Record<string, unknown>> }
  | { readonly GT: Readonly<Record<string, unknown>> }
  | { readonly GTE: Readonly<Record<string, unknown>> }
  | { readonly LT: Readonly<Record<string, unknown>> }
  | { readonly LTE: Readonly<Record<string, unknown>> }
  | { readonly IN: Readonly<Record<string, readonly unknown[]>> }
  | { readonly AND: readonly QueryFilter[] }
  | { readonly OR: readonly QueryFilter[] };

export interface StateQuery {
  readonly filter?: QueryFilter;
  readonly sort?: readonly { readonly key: string; readonly order?: 'ASC' | 'DESC' }[];
  readonly page?: { readonly limit?: number; readonly token?: string };
}

export interface StateQueryRequest {
  readonly query: StateQuery;
  /** Only keys starting with this (the caller's key prefix, e.g. "myapp||"); '' = all keys. */
  readonly keyPrefix: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface StateQueryResult {
  readonly results: readonly { readonly key: string; readonly data: Buffer; readonly etag?: string }[];
  /** Continuation token; absent on the last page. */
  readonly token?: string;
}

export interface StateStore extends ComponentInstance {
  /** Resolves undefined when the key does not exist (or has expired). */
  get(req: StateGetRequest): Promise<StateItem | undefined>;
  /** Optional native bulk read; the API falls back to parallel get(). */
  bulkGet?(reqs: readonly StateGetRequest[]): Promise<BulkGetItem[]>;
  set(req: StateSetRequest): Promise<void>;
  /** Optional native bulk write (not atomic: Dapr's bulk save is not a transaction). */
  bulkSet?(reqs: readonly StateSetRequest[]): Promise<void>;
  /** Deleting a missing key without an ETag succeeds. */
  delete(req: StateDeleteRequest): Promise<void>;
  bulkDelete?(reqs: readonly StateDeleteRequest[]): Promise<void>;
  /** All operations or none (TRANSACTIONAL stores only). */
  multi?(ops: readonly StateOperation[], metadata?: Readonly<Record<string, string>>): Promise<void>;
  /** Most operations one transaction accepts (undefined: no limit). */
  readonly maxMultiOps?: number;
  /** QUERY_API stores only. */
  query?(req: StateQueryRequest): Promise<StateQueryResult>;
}

/** Stable codes of expected state failures; the API maps them to Dapr's statuses. */
export type StateErrorCode =
  | 'ETAG_MISMATCH' // 409 (first-write conflict too)
  | 'ETAG_INVALID' // 400
  | 'BAD_REQUEST' // 400 (bad ttlInSeconds, malformed query ...)
  | 'NOT_SUPPORTED' // 500 ERR_STATE_STORE_NOT_SUPPORTED
  | 'TOO_MANY_OPERATIONS'; // 400

export class StateError extends Error {
  override readonly name = 'StateError';
  constructor(readonly code: StateErrorCode, message: string) {
    super(message);
  }
}

export function isStateError(e: unknown): e is StateError {
  return e instanceof StateError;
}

export const etagMismatch = (key: string): StateError =>
  new StateError('ETAG_MISMATCH', `possible etag mismatch. error from state store: ETag mismatch for key ${key}`);
export const etagInvalid = (key: string): StateError =>
  new StateError('ETAG_INVALID', `invalid etag value for key ${key}`);
