/**
 * The actors activated on this host: one turn lock and a last-used time per (type, id). An actor
 * is activated by its first call and deactivated after its type's idle timeout with no call
 * holding or waiting for its turn. A call that arrives while the app is still deactivating the
 * same id waits for that to finish, so the app never sees a call overlap its deactivation.
 */
import { TurnLock } from './turn-lock';

export interface ActiveActor {
  readonly type: string;
  readonly id: string;
  readonly lock: TurnLock;
  lastUsed: number;
}

export const actorKey = (type: string, id: string): string => `${type}||${id}`;

export class ActiveActors {
  private readonly actors = new Map<string, ActiveActor>();
  private readonly deactivating = new Map<string, Promise<void>>();

  /** The activation of (type, id), created when absent (after any deactivation in progress). */
  async activate(type: string, id: string): Promise<ActiveActor> {
    const key = actorKey(type, id);
    const pending = this.deactivating.get(key);
    if (pending) await pending;
    let a = this.actors.get(key);
    if (!a) this.actors.set(key, (a = { type, id, lock: new TurnLock(), lastUsed: Date.now() }));
    else a.lastUsed = Date.now();
    return a;
  }

  /** Actors idle for longer than their type's timeout, removed from the table. */
  takeIdle(now: number, idleTimeoutOf: (type: string) => number): ActiveActor[] {
    const out: ActiveActor[] = [];
    for (const [key, a] of this.actors) {
      if (a.lock.busy || a.lock.pending > 0) continue;
      if (now - a.lastUsed < idleTimeoutOf(a.type)) continue;
      this.actors.delete(key);
      out.push(a);
    }
    return out;
  }

  /** Removes every actor (shutdown). */
  takeAll(): ActiveActor[] {
    const all = [...this.actors.values()];
    this.actors.clear();
    return all;
  }

  /** Runs the app-side deactivation of an actor taken out of the table; new calls wait for it. */
  trackDeactivation(a: ActiveActor, run: () => Promise<void>): Promise<void> {
    const key = actorKey(a.type, a.id);
    const p = run().finally(() => { if (this.deactivating.get(key) === p) this.deactivating.delete(key); });
    this.deactivating.set(key, p);
    return p;
  }

  isActive(type: string, id: string): boolean {
    return this.actors.has(actorKey(type, id));
  }

  /** Calls holding or waiting for a turn, over all actors. */
  pendingCalls(): number {
    let n = 0;
    for (const a of this.actors.values()) n += a.lock.pending;
    return n;
  }

  counts(): Array<{ type: string; count: number }> {
    const m = new Map<string, number>();
    for (const a of this.actors.values()) m.set(a.type, (m.get(a.type) ?? 0) + 1);
    return [...m].map(([type, count]) => ({ type, count }));
  }
}
