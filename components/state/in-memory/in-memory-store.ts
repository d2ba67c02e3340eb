/**
 * state.in-memory: a process-local map. ETags are per-key version counters; expired items are
 * hidden on read and swept periodically. Transactions validate every ETag before applying.
 */
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import { StateFeature, type StateDeleteRequest, type StateGetRequest, type StateItem, type StateOperation, type StateQueryRequest, type StateQueryResult, type StateSetRequest, type StateStore } from '../contract';
import { checkDelete, checkSet, withActorFeature } from '../common/concurrency';
import { componentTtl, expiryFor, ttlMetadata } from '../common/ttl';
import { runQuery, type QueryRow } from '../query/evaluate';

interface Entry {
  readonly data: Buffer;
  readonly etag: string;
  readonly expiresAt: number | null;
}

const FEATURES = [StateFeature.ETAG, StateFeature.TRANSACTIONAL, StateFeature.TTL, StateFeature.QUERY_API];

export class InMemoryStateStore implements StateStore {
  private readonly items = new Map<string, Entry>();
  private version = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly defaultTtl: number | undefined;
  private readonly feats: readonly string[];

  constructor(component: ResolvedComponent) {
    this.defaultTtl = componentTtl(component.metadata);
    this.feats = withActorFeature(FEATURES, component.metadata);
  }

  async init(): Promise<void> {
    this.sweeper = setInterval(() => this.sweep(), 10_000);
    this.sweeper.unref();
  }

  features(): readonly string[] {
    return this.feats;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.items.clear();
  }

  async ping(): Promise<void> {}

  private live(key: string, now = Date.now()): Entry | undefined {
    const e = this.items.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= now) {
      this.items.delete(key);
      return undefined;
    }
    return e;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    const e = this.live(req.key);
    if (!e) return undefined;
    const metadata = ttlMetadata(e.expiresAt);
    return metadata ? { data: e.data, etag: e.etag, metadata } : { data: e.data, etag: e.etag };
  }

  async set(req: StateSetRequest): Promise<void> {
    this.apply([{ operation: 'upsert', request: req }]);
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    this.apply([{ operation: 'delete', request: req }]);
  }

  async multi(ops: readonly StateOperation[]): Promise<void> {
    this.apply(ops);
  }

  async query(req: StateQueryRequest): Promise<StateQueryResult> {
    const rows: QueryRow[] = [];
    const now = Date.now();
    for (const key of this.items.keys()) {
      if (!key.startsWith(req.keyPrefix)) continue;
      const e = this.live(key, now);
      if (e) rows.push({ key, data: e.data, etag: e.etag });
    }
    return runQuery(rows, req.query);
  }

  /** Validates all operations against the current state (and each other), then applies them. */
  private apply(ops: readonly StateOperation[]): void {
    const now = Date.now();
    const staged = new Map<string, Entry | null>();
    const current = (key: string): Entry | undefined => {
      const s = staged.get(key);
      return s === null ? undefined : s ?? this.live(key, now);
    };
    for (const op of ops) {
      const existing = current(op.request.key);
      if (op.operation === 'upsert') {
        const err = checkSet(op.request, existing?.etag);
        if (err) throw err;
        const expiresAt = expiryFor(op.request.metadata, this.defaultTtl, now);
        staged.set(op.request.key, { data: Buffer.from(op.request.value), etag: String(++this.version), expiresAt });
      } else {
        const err = checkDelete(op.request, existing?.etag);
        if (err) throw err;
        staged.set(op.request.key, null);
      }
    }
    for (const [key, e] of staged) {
      if (e === null) this.items.delete(key);
      else this.items.set(key, e);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.items) if (e.expiresAt !== null && e.expiresAt <= now) this.items.delete(k);
  }
}

export const inMemoryStateDriver: ComponentDriver<StateStore> = {
  types: ['state.in-memory'],
  versions: ['v1'],
  create: (component: ResolvedComponent, _ctx: ComponentContext) => new InMemoryStateStore(component),
};
