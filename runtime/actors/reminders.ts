/**
 * Actor reminders, persisted in the actor state store so they outlive the sidecar: one record
 * list per actor type under the key `actors||<type>` (daprd's layout before the Scheduler), with
 * the firing progress (next firing, firings so far) kept in each record. Loaded for the hosted
 * types once the app registered them; each firing is a call through the runtime
 * (PUT /actors/{type}/{id}/method/remind/{name}); a reply with `X-Daprremindercancel: true`, the
 * last repetition or the TTL removes the reminder. Writes per type are serialised.
 */
import type { Logger } from '../../observability/logger';
import type { StateStore } from '../../components/state/contract';
import { nextFiring, type Schedule } from './schedule';

export interface ReminderRecord {
  readonly actorID: string;
  readonly actorType: string;
  readonly name: string;
  readonly data?: unknown;
  readonly dueTime: string;
  readonly period: string;
  readonly ttl?: string;
  readonly registeredTime: string;
  readonly expirationTime?: string;
  /** Progress: epoch ms of the next firing and how many have happened. */
  nextFireAt: number;
  fired: number;
  /** The parsed schedule (kept so a restart does not re-read "now"-relative fields). */
  readonly schedule: Schedule;
}

export interface FireResult {
  /** The app asked to cancel the reminder (X-Daprremindercancel: true). */
  readonly cancel: boolean;
}

export type FireReminder = (r: ReminderRecord) => Promise<FireResult>;

const MAX_DELAY = 2 ** 31 - 1;

export class ActorReminders {
  private readonly byType = new Map<string, Map<string, ReminderRecord>>(); // type -> "id||name" -> record
  private readonly handles = new Map<string, NodeJS.Timeout>();
  private readonly writes = new Map<string, Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly store: () => StateStore | undefined,
    private readonly fire: FireReminder,
    private readonly log: Logger,
  ) {}

  static storageKey(type: string): string {
    return `actors||${type}`;
  }

  private static key(id: string, name: string): string {
    return `${id}||${name}`;
  }

  /** Reads the stored reminders of the hosted types and schedules them. */
  async load(types: readonly string[]): Promise<void> {
    const store = this.store();
    if (!store) return;
    for (const type of types) {
      try {
        const n = (await this.loadType(store, type)).size;
        if (n) this.log.info(`loaded ${n} reminder(s) of actor type ${type}`);
      } catch (err) {
        // Read again on the type's next reminder write, so stored reminders are never overwritten.
        this.log.error(`loading the reminders of actor type ${type} failed`, { error: (err as Error).message });
      }
    }
  }

  private async loadType(store: StateStore, type: string): Promise<Map<string, ReminderRecord>> {
    const map = new Map<string, ReminderRecord>();
    for (const r of await this.read(store, type)) map.set(ActorReminders.key(r.actorID, r.name), r);
    this.byType.set(type, map);
    for (const r of map.values()) this.arm(r);
    return map;
  }

  get(type: string, id: string, name: string): ReminderRecord | undefined {
    return this.byType.get(type)?.get(ActorReminders.key(id, name));
  }

  /** Stores (or replaces) a reminder and schedules it. Rejects when the store fails. */
  async set(r: ReminderRecord): Promise<void> {
    await this.mutate(r.actorType, (m) => { m.set(ActorReminders.key(r.actorID, r.name), r); });
    this.arm(r);
  }

  /** Removes a reminder; true when it existed. */
  async delete(type: string, id: string, name: string): Promise<boolean> {
    const key = ActorReminders.key(id, name);
    this.disarm(type, key);
    let existed = false;
    await this.mutate(type, (m) => { existed = m.delete(key); return existed; });
    return existed;
  }

  count(): number {
    let n = 0;
    for (const m of this.byType.values()) n += m.size;
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const h of this.handles.values()) clearTimeout(h);
    this.handles.clear();
  }

  private async read(store: StateStore, type: string): Promise<ReminderRecord[]> {
    const item = await store.get({ key: ActorReminders.storageKey(type) });
    if (!item) return [];
    try {
      const v = JSON.parse(item.data.toString('utf8')) as unknown;
      return Array.isArray(v) ? v.filter((r): r is ReminderRecord => !!r && typeof r === 'object' && typeof (r as ReminderRecord).name === 'string' && typeof (r as ReminderRecord).nextFireAt === 'number') : [];
    } catch {
      this.log.error(`stored reminders of actor type ${type} are not valid JSON; ignoring them`);
      return [];
    }
  }

  /** Applies a change to a type's list and writes the list back (serialised per type). */
  private mutate(type: string, change: (m: Map<string, ReminderRecord>) => boolean | void): Promise<void> {
    const prev = this.writes.get(type) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(async () => {
      const store = this.store();
      if (!store) throw new Error('no actor state store');
      const m = this.byType.get(type) ?? await this.loadType(store, type);
      if (change(m) === false) return;
      const list = [...m.values()];
      const key = ActorReminders.storageKey(type);
      if (list.length === 0) await store.delete({ key });
      else await store.set({ key, value: Buffer.from(JSON.stringify(list)) });
    });
    this.writes.set(type, next);
    return next;
  }

  private arm(r: ReminderRecord): void {
    if (this.stopped) return;
    const hk = `${r.actorType}||${ActorReminders.key(r.actorID, r.name)}`;
    clearTimeout(this.handles.get(hk));
    const delay = Math.max(0, r.nextFireAt - Date.now());
    const h = setTimeout(() => {
      this.handles.delete(hk);
      if (delay > MAX_DELAY) return this.arm(r);
      void this.run(r);
    }, Math.min(delay, MAX_DELAY));
    h.unref?.();
    this.handles.set(hk, h);
  }

  private disarm(type: string, key: string): void {
    const hk = `${type}||${key}`;
    clearTimeout(this.handles.get(hk));
    this.handles.delete(hk);
  }

  private async run(r: ReminderRecord): Promise<void> {
    const key = ActorReminders.key(r.actorID, r.name);
    if (this.stopped || this.byType.get(r.actorType)?.get(key) !== r) return;
    if (r.schedule.expiresAt !== undefined && Date.now() > r.schedule.expiresAt) {
      await this.delete(r.actorType, r.actorID, r.name).catch(() => undefined);
      return;
    }
    const firedAt = Date.now();
    let res: FireResult = { cancel: false };
    try {
      res = await this.fire(r);
    } catch (err) {
      this.log.warn(`actor reminder ${r.actorType}/${r.actorID}/${r.name} failed`, { error: (err as Error).message });
    }
    if (this.stopped || this.byType.get(r.actorType)?.get(key) !== r) return; // replaced or deleted meanwhile
    const fired = r.fired + 1;
    const next = res.cancel ? undefined : nextFiring(r.schedule, firedAt, fired);
    try {
      if (next === undefined) {
        await this.delete(r.actorType, r.actorID, r.name);
      } else {
        r.fired = fired;
        r.nextFireAt = next;
        await this.mutate(r.actorType, () => true);
        this.arm(r);
      }
    } catch (err) {
      this.log.error(`could not record the firing of reminder ${r.actorType}/${r.actorID}/${r.name}`, { error: (err as Error).message });
      if (next !== undefined) this.arm(r);
    }
  }
}
