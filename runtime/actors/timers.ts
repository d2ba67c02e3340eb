/**
 * Actor timers: in memory, bound to the actor's activation (deactivation drops them). Each firing
 * is one call to the actor through the runtime (turn-based, resiliency applied):
 * PUT /actors/{type}/{id}/method/timer/{name} with {"callback","data","dueTime","period"}.
 */
import type { Logger } from '../../observability/logger';
import { actorKey } from './active-actors';
import { nextFiring, type Schedule } from './schedule';

export interface TimerSpec {
  readonly type: string;
  readonly id: string;
  readonly name: string;
  readonly callback: string;
  /** The `data` JSON value as the caller gave it (undefined when absent). */
  readonly data: unknown;
  readonly dueTime: string;
  readonly period: string;
  readonly schedule: Schedule;
}

interface LiveTimer {
  readonly spec: TimerSpec;
  handle: NodeJS.Timeout | undefined;
  fired: number;
}

/** Fires one timer; resolves when the app answered (or the call failed). */
export type FireTimer = (spec: TimerSpec) => Promise<void>;

const MAX_DELAY = 2 ** 31 - 1;

export class ActorTimers {
  private readonly timers = new Map<string, LiveTimer>();
  private stopped = false;

  constructor(private readonly fire: FireTimer, private readonly log: Logger) {}

  private static key(type: string, id: string, name: string): string {
    return `${actorKey(type, id)}||${name}`;
  }

  /** Creates or replaces a timer. */
  set(spec: TimerSpec): void {
    this.delete(spec.type, spec.id, spec.name);
    if (this.stopped) return;
    const t: LiveTimer = { spec, handle: undefined, fired: 0 };
    this.timers.set(ActorTimers.key(spec.type, spec.id, spec.name), t);
    this.arm(t, spec.schedule.dueAt);
  }

  delete(type: string, id: string, name: string): boolean {
    const key = ActorTimers.key(type, id, name);
    const t = this.timers.get(key);
    if (!t) return false;
    clearTimeout(t.handle);
    this.timers.delete(key);
    return true;
  }

  /** Drops every timer of one actor (deactivation). */
  deleteActor(type: string, id: string): void {
    const prefix = `${actorKey(type, id)}||`;
    for (const [key, t] of this.timers) {
      if (!key.startsWith(prefix)) continue;
      clearTimeout(t.handle);
      this.timers.delete(key);
    }
  }

  has(type: string, id: string, name: string): boolean {
    return this.timers.has(ActorTimers.key(type, id, name));
  }

  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.handle);
    this.timers.clear();
  }

  private arm(t: LiveTimer, at: number): void {
    const delay = Math.max(0, at - Date.now());
    t.handle = setTimeout(() => {
      if (delay > MAX_DELAY) return this.arm(t, at);
      void this.run(t);
    }, Math.min(delay, MAX_DELAY));
    t.handle.unref?.();
  }

  private async run(t: LiveTimer): Promise<void> {
    const { spec } = t;
    const key = ActorTimers.key(spec.type, spec.id, spec.name);
    if (this.timers.get(key) !== t) return;
    if (spec.schedule.expiresAt !== undefined && Date.now() > spec.schedule.expiresAt) {
      this.timers.delete(key);
      return;
    }
    const firedAt = Date.now();
    await this.fire(spec).catch((err: unknown) => this.log.warn(`actor timer ${spec.type}/${spec.id}/${spec.name} failed`, { error: (err as Error).message }));
    t.fired++;
    if (this.timers.get(key) !== t) return; // deleted or replaced meanwhile
    const next = nextFiring(spec.schedule, firedAt, t.fired);
    if (next === undefined) this.timers.delete(key);
    else this.arm(t, next);
  }
}
