/**
 * The tables of pubsub.sqlite and the transactions on them. One file may be shared by several
 * processes (the sidecars of the apps on one machine): every claim is an IMMEDIATE transaction.
 *
 *   <p>messages  one row per published message (payload, content type, metadata JSON, expiry)
 *   <p>groups    one row per (topic, consumer group): `cursor` = the highest message id handed out
 *   <p>pending   one row per (topic, group, message) handed out and not yet acknowledged, with the
 *                lease (`lease_until`, ms) and its holder (`owner` = "<pid>:<instance>")
 *
 * A message is delivered to a group by moving the group's cursor past it and writing a pending row;
 * the ack deletes the pending row. A pending row whose lease ran out, or whose owner process is
 * gone, is handed out again. A message is deleted once every group's cursor passed it and no
 * pending row refers to it, when it expired, or after the retention period.
 */
import Database from 'better-sqlite3';

export interface StoredMessage {
  readonly id: number;
  readonly topic: string;
  readonly data: Buffer;
  readonly contentType: string | null;
  readonly metadata: Record<string, string>;
  readonly attempts: number;
}

export interface NewMessage {
  readonly topic: string;
  readonly data: Buffer;
  readonly contentType?: string;
  readonly metadata: Record<string, string>;
  /** Absolute expiry in ms since the epoch. */
  readonly expiresAt?: number;
}

interface MessageRow {
  id: number;
  topic: string;
  data: Buffer;
  content_type: string | null;
  metadata: string;
  expires_at: number | null;
  attempts?: number;
}

function toMessage(r: MessageRow, attempts: number): StoredMessage {
  let metadata: Record<string, string> = {};
  try {
    metadata = JSON.parse(r.metadata) as Record<string, string>;
  } catch {
    /* keep empty */
  }
  return { id: r.id, topic: r.topic, data: r.data, contentType: r.content_type, metadata, attempts };
}

export class MessageStore {
  private readonly s;

  constructor(readonly db: Database.Database, prefix: string) {
    const m = `${prefix}messages`, g = `${prefix}groups`, p = `${prefix}pending`;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${m} (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, data BLOB NOT NULL,
        content_type TEXT, metadata TEXT NOT NULL, published_at INTEGER NOT NULL, expires_at INTEGER);
      CREATE INDEX IF NOT EXISTS ${m}_topic ON ${m}(topic, id);
      CREATE TABLE IF NOT EXISTS ${g} (topic TEXT NOT NULL, name TEXT NOT NULL, cursor INTEGER NOT NULL, seen_at INTEGER NOT NULL,
        PRIMARY KEY (topic, name));
      CREATE TABLE IF NOT EXISTS ${p} (topic TEXT NOT NULL, name TEXT NOT NULL, message_id INTEGER NOT NULL,
        lease_until INTEGER NOT NULL, owner TEXT NOT NULL, attempts INTEGER NOT NULL, PRIMARY KEY (topic, name, message_id));
      CREATE INDEX IF NOT EXISTS ${p}_owner ON ${p}(owner);
      CREATE INDEX IF NOT EXISTS ${p}_message ON ${p}(message_id);`);
    this.s = {
      insert: db.prepare(`INSERT INTO ${m} (topic, data, content_type, metadata, published_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
      ensureGroup: db.prepare(`INSERT INTO ${g} (topic, name, cursor, seen_at) VALUES (?, ?, 0, ?) ON CONFLICT(topic, name) DO UPDATE SET seen_at = excluded.seen_at`),
      hasWork: db.prepare(`SELECT EXISTS(SELECT 1 FROM ${g} gg JOIN ${m} mm ON mm.topic = gg.topic AND mm.id > gg.cursor WHERE gg.topic = ? AND gg.name = ?)
        OR EXISTS(SELECT 1 FROM ${p} WHERE topic = ? AND name = ? AND lease_until <= ?) AS work`).pluck(),
      expiredPending: db.prepare(`SELECT pp.message_id AS pid, pp.attempts AS attempts, mm.id, mm.topic, mm.data, mm.content_type, mm.metadata, mm.expires_at
        FROM ${p} pp LEFT JOIN ${m} mm ON mm.id = pp.message_id WHERE pp.topic = ? AND pp.name = ? AND pp.lease_until <= ? ORDER BY pp.message_id LIMIT ?`),
      lease: db.prepare(`UPDATE ${p} SET lease_until = ?, owner = ?, attempts = attempts + 1 WHERE topic = ? AND name = ? AND message_id = ?`),
      cursor: db.prepare(`SELECT cursor FROM ${g} WHERE topic = ? AND name = ?`).pluck(),
      fresh: db.prepare(`SELECT id, topic, data, content_type, metadata, expires_at FROM ${m} WHERE topic = ? AND id > ? ORDER BY id LIMIT ?`),
      addPending: db.prepare(`INSERT OR REPLACE INTO ${p} (topic, name, message_id, lease_until, owner, attempts) VALUES (?, ?, ?, ?, ?, 1)`),
      moveCursor: db.prepare(`UPDATE ${g} SET cursor = ?, seen_at = ? WHERE topic = ? AND name = ?`),
      ack: db.prepare(`DELETE FROM ${p} WHERE topic = ? AND name = ? AND message_id = ?`),
      release: db.prepare(`UPDATE ${p} SET lease_until = ?, owner = '' WHERE topic = ? AND name = ? AND message_id = ? AND owner = ?`),
      extend: db.prepare(`UPDATE ${p} SET lease_until = ? WHERE owner = ?`),
      releaseOwner: db.prepare(`UPDATE ${p} SET lease_until = 0, owner = '' WHERE owner = ?`),
      owners: db.prepare(`SELECT DISTINCT owner FROM ${p} WHERE owner != '' AND lease_until > ?`).pluck(),
      dropExpired: db.prepare(`DELETE FROM ${m} WHERE (expires_at IS NOT NULL AND expires_at <= ?) OR published_at < ?`),
      dropConsumed: db.prepare(`DELETE FROM ${m} WHERE id <= (SELECT MIN(cursor) FROM ${g} WHERE ${g}.topic = ${m}.topic)
        AND NOT EXISTS (SELECT 1 FROM ${p} WHERE ${p}.message_id = ${m}.id)`),
      dropOrphans: db.prepare(`DELETE FROM ${p} WHERE NOT EXISTS (SELECT 1 FROM ${m} WHERE ${m}.id = ${p}.message_id)`),
      dropIdleGroups: db.prepare(`DELETE FROM ${g} WHERE seen_at < ?`),
    };
  }

  publish(msgs: readonly NewMessage[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const x of msgs) this.s.insert.run(x.topic, x.data, x.contentType ?? null, JSON.stringify(x.metadata), now, x.expiresAt ?? null);
    })();
  }

  ensureGroup(topic: string, group: string): void {
    this.s.ensureGroup.run(topic, group, Date.now());
  }

  /** Cheap read-only check before taking the write lock. */
  hasWork(topic: string, group: string): boolean {
    return this.s.hasWork.get(topic, group, topic, group, Date.now()) === 1;
  }

  /**
   * Hands out up to `max` messages to `owner` for `leaseMs`: first those whose lease ran out (oldest
   * first, so a released message keeps its place), then new ones. Expired messages are skipped.
   */
  claim(topic: string, group: string, owner: string, max: number, leaseMs: number): StoredMessage[] {
    return this.db.transaction((): StoredMessage[] => {
      const now = Date.now();
      const out: StoredMessage[] = [];
      const stale = this.s.expiredPending.all(topic, group, now, max) as Array<MessageRow & { pid: number; attempts: number }>;
      for (const r of stale) {
        if (r.id === null || (r.expires_at !== null && r.expires_at <= now)) {
          this.s.ack.run(topic, group, r.pid);
          continue;
        }
        this.s.lease.run(now + leaseMs, owner, topic, group, r.pid);
        out.push(toMessage(r, r.attempts + 1));
      }
      if (out.length < max) {
        const cursor = this.s.cursor.get(topic, group) as number | undefined;
        if (cursor !== undefined) {
          const rows = this.s.fresh.all(topic, cursor, max - out.length) as MessageRow[];
          for (const r of rows) {
            if (r.expires_at !== null && r.expires_at <= now) continue;
            this.s.addPending.run(topic, group, r.id, now + leaseMs, owner);
            out.push(toMessage(r, 1));
          }
          if (rows.length > 0) this.s.moveCursor.run(rows[rows.length - 1]!.id, now, topic, group);
        }
      }
      return out.sort((a, b) => a.id - b.id);
    }).immediate();
  }

  ack(topic: string, group: string, id: number): void {
    this.s.ack.run(topic, group, id);
  }

  /** Gives a message back for redelivery after `delayMs`. */
  release(topic: string, group: string, id: number, owner: string, delayMs: number): void {
    this.s.release.run(Date.now() + delayMs, topic, group, id, owner);
  }

  /** Renews the leases of everything `owner` holds (handlers still running). */
  extend(owner: string, leaseMs: number): void {
    this.s.extend.run(Date.now() + leaseMs, owner);
  }

  releaseOwner(owner: string): void {
    this.s.releaseOwner.run(owner);
  }

  /** Owners of live leases, for the dead-process check. */
  owners(): string[] {
    return this.s.owners.all(Date.now()) as string[];
  }

  cleanup(retentionMs: number): void {
    const now = Date.now();
    const horizon = retentionMs > 0 ? now - retentionMs : 0;
    this.db.transaction(() => {
      this.s.dropExpired.run(now, horizon);
      this.s.dropConsumed.run();
      this.s.dropOrphans.run();
      if (horizon > 0) this.s.dropIdleGroups.run(horizon);
    }).immediate();
  }
}
