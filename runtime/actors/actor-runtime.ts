/**
 * The actor building block, protocol-neutral: admission (runtime state, reserved types, placement),
 * turn-based calls into the app with reentrancy, resiliency on every call (the actor target's
 * timeout/retry/breaker, breaker scope id|type|both), actor state, timers and reminders, idle
 * deactivation and drain on shutdown. The HTTP and gRPC heads in api/actors only translate wires.
 * Expected failures are DaprError values, never throws.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger';
import type { AppChannel } from '../app-channel/contract';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';
import { isDaprError, type DaprError } from '../../errors/dapr-error';
import type { ResiliencyTarget } from '../../filters/resiliency/engine';
import { Failure, isResiliencyFailure, RetriableFailure, Success, type ResiliencyPolicy, type Verdict } from '../../filters/resiliency/policy';
import type { StateStore } from '../../components/state/contract';
import { ActiveActors, type ActiveActor } from './active-actors';
import { actorStateTransaction, findActorStore, getActorState, type ActorStateOp, type ActorStoreSource } from './actor-store';
import { ActorErrors } from './errors';
import { configFor, type ActorHostConfig } from './host-config';
import { LocalPlacement, type ActorPlacement } from './placement';
import { ActorReminders, type ReminderRecord } from './reminders';
import { parseSchedule } from './schedule';
import { ActorTimers, type TimerSpec } from './timers';

export interface ActorRuntimeDeps {
  readonly appId: string;
  readonly logger: Logger;
  readonly appChannel: () => AppChannel | undefined;
  readonly stores: ActorStoreSource;
  /** The resiliency engine (runtime/chains.ts); absent = calls go straight through. */
  readonly resiliency?: () => { policyFor(t: ResiliencyTarget): ResiliencyPolicy } | undefined;
  /** Builds the placement from the hosted types; LocalPlacement by default. */
  readonly placement?: (hosted: () => ReadonlySet<string>) => ActorPlacement;
  /** How often idle actors are looked for; default a quarter of the shortest idle timeout (50 ms - 10 s). */
  readonly scanIntervalMs?: number;
  /** How long a call waits for the app's actor registration at start-up (default 10 s). */
  readonly readyWaitMs?: number;
}

export interface ActorCall {
  readonly type: string;
  readonly id: string;
  readonly method: string;
  /** Headers for the app (already stripped of hop-by-hop and sidecar-only ones). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly contentType?: string;
}

export type ActorStatus = 'INITIALIZING' | 'DISABLED' | 'RUNNING';

export interface TimerRequest { type: string; id: string; name: string; dueTime?: string; period?: string; ttl?: string; callback?: string; data?: unknown }
export interface ReminderRequest { type: string; id: string; name: string; dueTime?: string; period?: string; ttl?: string; data?: unknown; overwrite?: boolean }

type Attempt = { readonly kind: 'response'; readonly res: UnaryInvokeResponse } | { readonly kind: 'error'; readonly error: DaprError; readonly permanent: boolean };

const ERROR_HEADER = 'x-daprerrorresponseheader';
const REENTRANCY_HEADER = 'dapr-reentrancy-id';
const enc = encodeURIComponent;

export class ActorRuntime {
  private config: ActorHostConfig | undefined;
  private configured = false;
  private closed = false;
  private hosted: ReadonlySet<string> = new Set();
  private readonly active = new ActiveActors();
  private readonly timers: ActorTimers;
  private readonly reminders: ActorReminders;
  readonly placement: ActorPlacement;
  private scan: NodeJS.Timeout | undefined;
  private inflight = 0;
  private readonly readyWaiters: Array<() => void> = [];
  private readonly log: Logger;

  constructor(private readonly deps: ActorRuntimeDeps) {
    this.log = deps.logger;
    this.placement = (deps.placement ?? ((h) => new LocalPlacement(h)))(() => this.hosted);
    this.timers = new ActorTimers((spec) => this.fireTimer(spec), this.log);
    this.reminders = new ActorReminders(() => this.store()?.store, (r) => this.fireReminder(r), this.log);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** The app's /dapr/config answer (undefined: the app hosts no actors). Called once the app listens. */
  async configure(config: ActorHostConfig | undefined): Promise<void> {
    this.config = config;
    this.hosted = new Set(config?.entities ?? []);
    if (config && !this.closed) {
      if (this.store()) {
        this.log.info(`actor runtime hosting ${config.entities.join(', ')}`);
        const idle = Math.min(...config.entities.map((t) => configFor(config, t).idleTimeoutMs));
        const every = this.deps.scanIntervalMs ?? Math.min(10_000, Math.max(50, Math.floor(idle / 4)));
        this.scan = setInterval(() => this.deactivateIdle(), every);
        this.scan.unref?.();
        // Before calls are admitted: a reminder written meanwhile would otherwise replace the stored list.
        await this.reminders.load(config.entities).catch((err: unknown) => this.log.error('loading actor reminders failed', { error: (err as Error).message }));
      } else {
        this.log.warn(`the app hosts actor types ${config.entities.join(', ')} but no state store has actorStateStore: "true"; actor APIs are disabled`);
      }
    }
    this.configured = true;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  /**
   * Drain: new calls are refused (503 ERR_ACTOR_RUNTIME_CLOSED), calls in progress get up to the
   * drain timeout, timers and reminders stop, then the app deactivates every active actor.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.readyWaiters.splice(0)) w();
    clearInterval(this.scan);
    this.timers.stop();
    this.reminders.stop();
    const drainMs = Math.min(graceMs, this.config ? Math.max(...[this.config.defaults, ...this.config.perType.values()].map((c) => c.drainTimeoutMs)) : 0);
    const end = Date.now() + drainMs;
    while (this.inflight > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const all = this.active.takeAll();
    for (const a of all) a.lock.close();
    const channel = this.deps.appChannel();
    if (channel && all.length) {
      const deadline = new Promise<void>((r) => setTimeout(r, Math.max(100, graceMs - drainMs)).unref?.());
      await Promise.race([Promise.all(all.map((a) => this.deactivate(channel, a))), deadline]);
    }
  }

  get status(): ActorStatus {
    if (!this.configured) return this.deps.appChannel() ? 'INITIALIZING' : 'DISABLED';
    return this.config && this.store() ? 'RUNNING' : 'DISABLED';
  }

  /** The metadata API's view. */
  snapshot(): { actors: Array<{ type: string; count: number }>; actorRuntime: { runtimeStatus: ActorStatus; activeActors: Array<{ type: string; count: number }>; hostReady: boolean; placement: string } } {
    const counts = this.active.counts();
    const byType = new Map(counts.map((c) => [c.type, c.count]));
    const actors = [...this.hosted].map((type) => ({ type, count: byType.get(type) ?? 0 }));
    const status = this.status;
    return { actors, actorRuntime: { runtimeStatus: status, activeActors: actors, hostReady: status === 'RUNNING', placement: this.placement.status } };
  }

  /** For tests and metrics. */
  get counters(): { timers: number; reminders: number; pendingCalls: number } {
    return { timers: this.timers.size, reminders: this.reminders.count(), pendingCalls: this.active.pendingCalls() };
  }

  private store(): { name: string; store: StateStore } | undefined {
    return findActorStore(this.deps.stores);
  }

  // ---- admission ----------------------------------------------------------------------------------

  private async admit(type: string, id: string): Promise<{ store: StateStore; local: boolean } | DaprError> {
    if (this.closed) return ActorErrors.runtimeClosed();
    const s = this.store();
    if (!s) return ActorErrors.runtimeNotFound();
    if (!type || !id) return ActorErrors.badRequest('actor type and actor id are required');
    if (type.startsWith('dapr.internal.')) return ActorErrors.typeReserved(type);
    if (!this.configured && this.deps.appChannel()) await this.untilConfigured(this.deps.readyWaitMs ?? 10_000);
    if (this.closed) return ActorErrors.runtimeClosed();
    if (!this.configured) return ActorErrors.runtimeInitializing();
    const host = this.placement.hostFor(type, id);
    if (isDaprError(host)) return host;
    return { store: s.store, local: host.kind === 'local' };
  }

  private untilConfigured(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.readyWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  // ---- calls -----------------------------------------------------------------------------------------

  /** A method call: the app's answer (2xx, or an actor error marked by X-Daprerrorresponseheader) or a DaprError. */
  async invoke(call: ActorCall): Promise<UnaryInvokeResponse | DaprError> {
    const adm = await this.admit(call.type, call.id);
    if (isDaprError(adm)) return adm;
    if (!adm.local) return ActorErrors.noAddress(call.type, call.id);
    const path = `/actors/${enc(call.type)}/${enc(call.id)}/method/${enc(call.method)}`;
    const res = await this.callActor(call.type, call.id, path, call.headers, call.body, call.contentType);
    if (isDaprError(res)) return res;
    if ((res.status >= 200 && res.status < 300) || res.headers[ERROR_HEADER] !== undefined) return res;
    if (res.status === 404) return ActorErrors.invokeMethod(`actor method not found: ${call.type}/${call.id}.${call.method}: ${res.body.toString('utf8').slice(0, 512)}`);
    return ActorErrors.invokeMethod(`error from actor service: (${res.status}) ${res.body.toString('utf8').slice(0, 512)}`);
  }

  /** One call to a local actor under the actor target's resiliency policy. */
  private async callActor(type: string, id: string, path: string, headers: Readonly<Record<string, string>>, body: Buffer, contentType: string | undefined): Promise<UnaryInvokeResponse | DaprError> {
    const policy = this.deps.resiliency?.()?.policyFor({ kind: 'actor', type, id });
    const attempt = (): Promise<Attempt> => this.callLocal(type, id, path, headers, body, contentType);
    if (!policy?.active) {
      const a = await attempt();
      return a.kind === 'error' ? a.error : a.res;
    }
    const codes = policy.retry?.httpStatusCodes;
    const judge = (a: Attempt): Verdict => {
      if (a.kind === 'error') return a.permanent ? Failure : RetriableFailure;
      const s = a.res.status;
      if (s >= 200 && s < 300) return Success;
      if (s === 404 && a.res.headers[ERROR_HEADER] === undefined) return Failure; // method not found: permanent
      return codes === undefined || codes.has(s) ? RetriableFailure : Failure;
    };
    const result = await policy.execute((_signal, _n) => attempt(), judge);
    if (isResiliencyFailure(result)) {
      const why = result.reason === 'breaker-open'
        ? `circuit breaker is open for actor ${type}/${id}: failing fast without calling the app`
        : result.reason === 'timeout' ? `actor ${type}/${id} timed out: ${result.message}` : result.message;
      return ActorErrors.invokeMethod(why);
    }
    return result.kind === 'error' ? result.error : result.res;
  }

  /** Takes the actor's turn, calls the app, releases the turn (also when the caller stopped waiting). */
  private async callLocal(type: string, id: string, path: string, headers: Readonly<Record<string, string>>, body: Buffer, contentType: string | undefined): Promise<Attempt> {
    const channel = this.deps.appChannel();
    if (!channel) return { kind: 'error', error: ActorErrors.noAppChannel(), permanent: true };
    if (this.closed) return { kind: 'error', error: ActorErrors.runtimeClosed(), permanent: true };
    const cfg = configFor(this.config!, type);
    const reentrancyId = cfg.reentrancy.enabled ? headers[REENTRANCY_HEADER] ?? randomUUID() : undefined;
    this.inflight++;
    try {
      const actor = await this.active.activate(type, id);
      const turn = await actor.lock.acquire(reentrancyId, cfg.reentrancy.maxStackDepth);
      if (!turn.ok) {
        return turn.reason === 'stack-depth'
          ? { kind: 'error', error: ActorErrors.stackDepth(cfg.reentrancy.maxStackDepth), permanent: true }
          : { kind: 'error', error: ActorErrors.runtimeClosed(), permanent: true };
      }
      actor.lastUsed = Date.now();
      try {
        const out: Record<string, string> = { ...headers };
        if (reentrancyId !== undefined) out[REENTRANCY_HEADER] = reentrancyId;
        const res = await channel.call({ path, verb: 'PUT', query: '', headers: out, body, ...(contentType ? { contentType } : {}) });
        if (isDaprError(res)) return { kind: 'error', error: ActorErrors.invokeMethod(res.message), permanent: false };
        return { kind: 'response', res };
      } finally {
        actor.lastUsed = Date.now();
        turn.release();
      }
    } finally {
      this.inflight--;
    }
  }

  // ---- idle deactivation ---------------------------------------------------------------------------

  private deactivateIdle(): void {
    const cfg = this.config;
    const channel = this.deps.appChannel();
    if (!cfg || !channel || this.closed) return;
    for (const a of this.active.takeIdle(Date.now(), (t) => configFor(cfg, t).idleTimeoutMs)) {
      void this.active.trackDeactivation(a, () => this.deactivate(channel, a));
    }
  }

  private async deactivate(channel: AppChannel, a: ActiveActor): Promise<void> {
    a.lock.close();
    this.timers.deleteActor(a.type, a.id);
    const res = await channel.call({ path: `/actors/${enc(a.type)}/${enc(a.id)}`, verb: 'DELETE', query: '', headers: {}, body: Buffer.alloc(0) });
    if (isDaprError(res)) this.log.warn(`deactivating actor ${a.type}/${a.id} failed: ${res.message}`);
    else if (res.status !== 200) this.log.warn(`deactivating actor ${a.type}/${a.id}: the app answered ${res.status}`);
    else this.log.debug(`deactivated actor ${a.type}/${a.id}`);
  }

  // ---- state ---------------------------------------------------------------------------------------

  async getState(type: string, id: string, key: string): Promise<{ data: Buffer; metadata?: Readonly<Record<string, string>> } | undefined | DaprError> {
    const adm = await this.stateAdmit(type, id);
    if (isDaprError(adm)) return adm;
    if (!key) return ActorErrors.badRequest('state key is required');
    return getActorState(adm, this.deps.appId, type, id, key);
  }

  async stateTransaction(type: string, id: string, ops: readonly ActorStateOp[]): Promise<void | DaprError> {
    const adm = await this.stateAdmit(type, id);
    if (isDaprError(adm)) return adm;
    for (const o of ops) if (!o.key) return ActorErrors.malformed('each actor state operation needs a key');
    return actorStateTransaction(adm, this.deps.appId, type, id, ops);
  }

  private async stateAdmit(type: string, id: string): Promise<StateStore | DaprError> {
    const adm = await this.admit(type, id);
    if (isDaprError(adm)) return adm.errorCode === 'ERR_ACTOR_NO_ADDRESS' ? ActorErrors.instanceMissing() : adm;
    return adm.local ? adm.store : ActorErrors.instanceMissing();
  }

  // ---- timers ----------------------------------------------------------------------------------------

  async createTimer(t: TimerRequest): Promise<void | DaprError> {
    const adm = await this.admit(t.type, t.id);
    if (isDaprError(adm)) return adm.errorCode === 'ERR_ACTOR_NO_ADDRESS' ? ActorErrors.timerCreate(adm.message) : adm;
    if (!t.name) return ActorErrors.badRequest('timer name is required');
    const schedule = parseSchedule(t.dueTime, t.period, t.ttl, Date.now());
    if (typeof schedule === 'string') return ActorErrors.timerCreate(schedule);
    await this.active.activate(t.type, t.id);
    this.timers.set({ type: t.type, id: t.id, name: t.name, callback: t.callback ?? '', data: t.data, dueTime: t.dueTime ?? '', period: t.period ?? '', schedule });
  }

  async deleteTimer(type: string, id: string, name: string): Promise<void | DaprError> {
    if (this.closed) return ActorErrors.runtimeClosed();
    if (!this.store()) return ActorErrors.runtimeNotFound();
    if (!name) return ActorErrors.badRequest('timer name is required');
    this.timers.delete(type, id, name);
  }

  hasTimer(type: string, id: string, name: string): boolean {
    return this.timers.has(type, id, name);
  }

  private async fireTimer(spec: TimerSpec): Promise<void> {
    if (this.closed || !this.placement.hostsType(spec.type)) return;
    const body = Buffer.from(JSON.stringify({ callback: spec.callback, data: spec.data ?? null, dueTime: spec.dueTime, period: spec.period }));
    const res = await this.callActor(spec.type, spec.id, `/actors/${enc(spec.type)}/${enc(spec.id)}/method/timer/${enc(spec.name)}`, {}, body, 'application/json');
    if (isDaprError(res)) this.log.warn(`actor timer ${spec.type}/${spec.id}/${spec.name}: ${res.message}`);
    else if (res.status < 200 || res.status >= 300) this.log.warn(`actor timer ${spec.type}/${spec.id}/${spec.name}: the app answered ${res.status}`);
  }

  // ---- reminders -------------------------------------------------------------------------------------

  private async reminderAdmit(type: string, id: string, name: string): Promise<void | DaprError> {
    const adm = await this.admit(type, id);
    if (isDaprError(adm)) return adm.errorCode === 'ERR_ACTOR_NO_ADDRESS' ? ActorErrors.reminderNonHosted(type) : adm;
    if (!name) return ActorErrors.badRequest('reminder name is required');
  }

  async createReminder(r: ReminderRequest): Promise<void | DaprError> {
    const bad = await this.reminderAdmit(r.type, r.id, r.name);
    if (bad) return bad;
    const now = Date.now();
    const schedule = parseSchedule(r.dueTime, r.period, r.ttl, now);
    if (typeof schedule === 'string') return ActorErrors.reminderCreate(schedule);
    if (r.overwrite === false && this.reminders.get(r.type, r.id, r.name)) return ActorErrors.reminderExists(r.name);
    const record: ReminderRecord = {
      actorID: r.id, actorType: r.type, name: r.name,
      ...(r.data !== undefined ? { data: r.data } : {}),
      dueTime: r.dueTime ?? '', period: r.period ?? '',
      ...(r.ttl ? { ttl: r.ttl } : {}),
      registeredTime: new Date(now).toISOString(),
      ...(schedule.expiresAt !== undefined ? { expirationTime: new Date(schedule.expiresAt).toISOString() } : {}),
      nextFireAt: schedule.dueAt, fired: 0, schedule,
    };
    try {
      await this.reminders.set(record);
    } catch (err) {
      return ActorErrors.reminderCreate((err as Error).message);
    }
  }

  async getReminder(type: string, id: string, name: string): Promise<{ actorID: string; actorType: string; dueTime: string; period: string; ttl?: string; data?: unknown } | DaprError> {
    const bad = await this.reminderAdmit(type, id, name);
    if (bad) return bad;
    const r = this.reminders.get(type, id, name);
    if (!r) return ActorErrors.reminderNotFound(name);
    return { actorID: r.actorID, actorType: r.actorType, dueTime: r.dueTime, period: r.period, ...(r.ttl ? { ttl: r.ttl } : {}), ...(r.data !== undefined ? { data: r.data } : {}) };
  }

  async deleteReminder(type: string, id: string, name: string): Promise<void | DaprError> {
    const bad = await this.reminderAdmit(type, id, name);
    if (bad) return bad;
    try {
      await this.reminders.delete(type, id, name);
    } catch (err) {
      return ActorErrors.reminderDelete((err as Error).message);
    }
  }

  private async fireReminder(r: ReminderRecord): Promise<{ cancel: boolean }> {
    if (this.closed || !this.placement.hostsType(r.actorType)) return { cancel: false };
    const body = Buffer.from(JSON.stringify({ data: r.data ?? null, dueTime: r.dueTime, period: r.period }));
    const res = await this.callActor(r.actorType, r.actorID, `/actors/${enc(r.actorType)}/${enc(r.actorID)}/method/remind/${enc(r.name)}`, {}, body, 'application/json');
    if (isDaprError(res)) {
      this.log.warn(`actor reminder ${r.actorType}/${r.actorID}/${r.name}: ${res.message}`);
      return { cancel: false };
    }
    const cancel = String(res.headers['x-daprremindercancel'] ?? '').toLowerCase() === 'true';
    return { cancel };
  }
}
