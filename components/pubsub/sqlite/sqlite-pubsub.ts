/**
 * pubsub.sqlite: the embedded durable default, no server. Messages are written to a SQLite file
 * (WAL) on publish and handed to each consumer group under a lease; the ack (handler resolved)
 * deletes the group's pending row. A handler that rejects gives the message back at once (after a
 * short back-off); a process killed before its ack leaves a lease that runs out after
 * `visibilityTimeout`, or at once when another process on the machine sees the owner is gone.
 * Processes sharing the file learn of new messages by polling (`pollInterval`); subscribers in
 * the same process are woken on publish.
 *
 * Metadata: connectionString (file path or "file:" URI; default <dataDir>/pubsub.db),
 * tablePrefix (pubsub_), visibilityTimeout (30s), pollInterval (100ms), retentionPeriod (24h:
 * messages and idle groups older than that are dropped; 0 keeps them), cleanupInterval (30s),
 * busyTimeout (5s), disableWAL (false). Request metadata ttlInSeconds is honoured natively.
 */
import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import type { Logger } from '../../../observability/logger';
import { PubsubFeatures, type BulkPublishEntry, type BulkPublishResult, type MessageHandler, type PubSub, type PublishRequest, type SubscribeRequest } from '../contract';
import { carriedMetadata, errorMessage, mdBool, mdDurationMs, ttlSeconds } from '../common/metadata';
import { InFlight, inFlightLimit, retryDelayMs } from '../common/in-flight';
import { MessageStore, type NewMessage, type StoredMessage } from './message-store';

/** Publishes in this process wake this process's subscribers on the same file at once. */
const localBus = new EventEmitter();
localBus.setMaxListeners(0);

function resolvePath(md: Readonly<Record<string, string>>, ctx: ComponentContext): string {
  const cs = md.connectionString?.trim();
  if (!cs) return join(ctx.dataDir, 'pubsub.db');
  const noScheme = cs.startsWith('file:') ? cs.slice(5) : cs;
  const q = noScheme.indexOf('?');
  return resolve(q < 0 ? noScheme : noScheme.slice(0, q));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Subscription {
  readonly topic: string;
  readonly group: string;
  readonly handler: MessageHandler;
  readonly inFlight: InFlight;
  stopped: boolean;
  loop?: Promise<void>;
}

export class SqlitePubSub implements PubSub {
  private store: MessageStore | undefined;
  private readonly path: string;
  private readonly owner = `${process.pid}:${randomBytes(6).toString('hex')}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly retentionMs: number;
  private readonly cleanupMs: number;
  private readonly subs = new Set<Subscription>();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly component: ResolvedComponent, ctx: ComponentContext) {
    const md = component.metadata;
    this.path = resolvePath(md, ctx);
    this.leaseMs = mdDurationMs(md, 'visibilityTimeout', 30_000);
    this.pollMs = mdDurationMs(md, 'pollInterval', 100, 1);
    this.retentionMs = mdDurationMs(md, 'retentionPeriod', 24 * 3_600_000);
    this.cleanupMs = mdDurationMs(md, 'cleanupInterval', 30_000);
    this.log = ctx.logger.child(`pubsub.sqlite:${component.name}`);
    if (this.leaseMs < 100) throw new Error(`pubsub.sqlite ${component.name}: visibilityTimeout must be at least 100ms`);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    const prefix = md.tablePrefix ?? 'pubsub_';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new Error(`pubsub.sqlite ${this.component.name}: invalid tablePrefix "${prefix}"`);
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path, { timeout: mdDurationMs(md, 'busyTimeout', 5000) });
    try {
      if (!mdBool(md, 'disableWAL', false)) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      this.store = new MessageStore(db, prefix);
    } catch (e) {
      db.close();
      throw new Error(`pubsub.sqlite ${this.component.name}: cannot open ${this.path}: ${errorMessage(e)}`);
    }
    this.reclaimDeadOwners();
    this.safely(() => this.store!.cleanup(this.retentionMs));
    const beat = setInterval(() => this.heartbeat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    const clean = setInterval(() => this.safely(() => this.store?.cleanup(this.retentionMs)), Math.max(1000, this.cleanupMs));
    beat.unref();
    clean.unref();
    this.timers = [beat, clean];
  }

  features(): readonly string[] {
    return [PubsubFeatures.MESSAGE_TTL, PubsubFeatures.BULK_PUBLISH];
  }

  async ping(): Promise<void> {
    this.requireStore().db.prepare('SELECT 1').get();
  }

  async publish(req: PublishRequest): Promise<void> {
    this.write([this.toNew(req.topic, req.data, req.contentType, req.metadata)]);
  }

  async bulkPublish(topic: string, entries: readonly BulkPublishEntry[]): Promise<BulkPublishResult> {
    const ok: NewMessage[] = [];
    const failedEntries: Array<{ entryId: string; error: string }> = [];
    for (const e of entries) {
      try {
        ok.push(this.toNew(topic, e.data, e.contentType, e.metadata));
      } catch (err) {
        failedEntries.push({ entryId: e.entryId, error: errorMessage(err) });
      }
    }
    try {
      if (ok.length > 0) this.write(ok);
    } catch (err) {
      // One transaction: all of them failed.
      return { failedEntries: entries.map((e) => ({ entryId: e.entryId, error: errorMessage(err) })) };
    }
    return { failedEntries };
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>> {
    const store = this.requireStore();
    store.ensureGroup(req.topic, req.consumerGroup);
    // Messages a crashed process on this machine was holding are free for the new subscriber now,
    // not at the next heartbeat.
    this.reclaimDeadOwners();
    const sub: Subscription = { topic: req.topic, group: req.consumerGroup, handler, inFlight: new InFlight(inFlightLimit(req.maxInFlight)), stopped: false };
    const wake = (topic: string): void => {
      if (topic === sub.topic) sub.inFlight.wake();
    };
    localBus.on(this.path, wake);
    this.subs.add(sub);
    sub.loop = this.pump(sub);
    return async () => {
      sub.stopped = true;
      sub.inFlight.wake();
      localBus.off(this.path, wake);
      await sub.loop;
      await sub.inFlight.drain();
      this.subs.delete(sub);
    };
  }

  /** Abandons running handlers: their messages are released for redelivery right away. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.subs) {
      s.stopped = true;
      s.inFlight.wake();
    }
    await Promise.all([...this.subs].map((s) => s.loop));
    this.subs.clear();
    if (this.store) {
      this.safely(() => this.store!.releaseOwner(this.owner));
      this.store.db.close();
      this.store = undefined;
    }
  }

  private toNew(topic: string, data: Buffer, contentType: string | undefined, md: Readonly<Record<string, string>>): NewMessage {
    const ttl = ttlSeconds(md);
    return { topic, data, metadata: carriedMetadata(md), ...(contentType ? { contentType } : {}), ...(ttl !== undefined ? { expiresAt: Date.now() + ttl * 1000 } : {}) };
  }

  private write(msgs: NewMessage[]): void {
    this.requireStore().publish(msgs);
    for (const t of new Set(msgs.map((m) => m.topic))) localBus.emit(this.path, t);
  }

  private async pump(sub: Subscription): Promise<void> {
    while (!sub.stopped && !this.closed) {
      let got = 0;
      if (sub.inFlight.free > 0) {
        try {
          const store = this.requireStore();
          if (store.hasWork(sub.topic, sub.group)) {
            const msgs = store.claim(sub.topic, sub.group, this.owner, sub.inFlight.free, this.leaseMs);
            got = msgs.length;
            for (const m of msgs) sub.inFlight.start(() => this.deliver(sub, m));
          }
        } catch (e) {
          if (!this.closed) this.log.warn('claiming messages failed', { topic: sub.topic, error: errorMessage(e) });
        }
      }
      if (got === 0 || sub.inFlight.free === 0) await sub.inFlight.wait(this.pollMs);
    }
  }

  private async deliver(sub: Subscription, m: StoredMessage): Promise<void> {
    let ok = false;
    try {
      await sub.handler({ id: String(m.id), topic: m.topic, data: m.data, metadata: m.metadata, ...(m.contentType ? { contentType: m.contentType } : {}) });
      ok = true;
    } catch {
      /* redelivered below */
    }
    if (this.closed || !this.store) return; // close() released the lease
    this.safely(() => {
      if (ok) this.store!.ack(sub.topic, sub.group, m.id);
      else this.store!.release(sub.topic, sub.group, m.id, this.owner, retryDelayMs(m.attempts));
    });
  }

  private heartbeat(): void {
    this.safely(() => {
      this.store?.extend(this.owner, this.leaseMs);
      for (const s of this.subs) this.store?.ensureGroup(s.topic, s.group);
    });
    this.reclaimDeadOwners();
  }

  /** Leases held by processes that no longer exist on this machine are released at once. */
  private reclaimDeadOwners(): void {
    this.safely(() => {
      for (const owner of this.store?.owners() ?? []) {
        const pid = Number(owner.split(':')[0]);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) this.store!.releaseOwner(owner);
      }
    });
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!this.closed) this.log.warn('sqlite pubsub maintenance failed', { error: errorMessage(e) });
    }
  }

  private requireStore(): MessageStore {
    if (!this.store) throw new Error(`pubsub.sqlite ${this.component.name}: not initialised`);
    return this.store;
  }
}

export const sqlitePubSubDriver: ComponentDriver<PubSub> = {
  types: ['pubsub.sqlite'],
  versions: ['v1'],
  create: (c, ctx) => new SqlitePubSub(c, ctx),
};
