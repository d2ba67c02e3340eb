/**
 * Input binding delivery: after the app is up, finds the bindings the app subscribes to (direction
 * metadata containing "input" skips asking), reads them and hands each event to the app. While the
 * app is unhealthy (AppHealth 'change' false) every binding stops reading; it resumes on true.
 * With app health checks on, reading starts only once the app was seen healthy.
 */
import type { EventEmitter } from 'node:events';
import type { ComponentInstance } from '../../components/contract';
import { isInputBinding, type InputBinding, type InputBindingEvent } from '../../components/bindings/contract';
import type { AppChannel } from '../app-channel/contract';
import type { Logger } from '../../observability/logger';
import { hasDirection } from '../../api/bindings/bindings-api';
import { deliverGrpc, deliverHttp, grpcAppBindings, httpAppSubscribed, routeOf, type BindingReplyActions, type DeliveryOutcome, type GrpcBindingApp } from './app-delivery';

export interface AppHealthLike extends Pick<EventEmitter, 'on' | 'off'> {
  isHealthy(): boolean;
}

export interface InputBindingsDeps {
  readonly logger: Logger;
  readonly bindings: () => ReadonlyMap<string, ComponentInstance>;
  readonly metadataOf: (name: string) => Readonly<Record<string, string>> | undefined;
  /** HTTP-style channel (HTTP, HTTPS, h2c apps). */
  readonly appChannel?: () => AppChannel | undefined;
  /** AppCallback client for gRPC apps; when set, it is used instead of appChannel. */
  readonly grpcApp?: () => GrpcBindingApp | undefined;
  readonly appHealth?: AppHealthLike;
  /** Output bindings named in a gRPC reply's `to`. */
  readonly invokeOutput?: (name: string, data: Buffer) => Promise<string | undefined>;
  /** State named in a gRPC reply's `states`; resolves an error message or undefined. */
  readonly saveState?: (store: string, items: BindingReplyActions['states']) => Promise<string | undefined>;
}

interface Subscribed {
  readonly name: string;
  readonly binding: InputBinding;
  readonly deliver: (ev: InputBindingEvent) => Promise<DeliveryOutcome>;
  stop?: () => Promise<void>;
}

export class InputBindings {
  private readonly subscribed = new Map<string, Subscribed>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly onHealth = (healthy: boolean): void => {
    this.serial(() => (healthy ? this.resumeAll() : this.pauseAll()));
  };

  constructor(private readonly deps: InputBindingsDeps) {}

  /** Names of the bindings being delivered (for tests and metadata). */
  active(): string[] {
    return [...this.subscribed.values()].filter((s) => s.stop).map((s) => s.name);
  }

  async start(): Promise<void> {
    this.deps.appHealth?.on('change', this.onHealth);
    await this.reconcile();
  }

  /**
   * Brings delivery in line with the live components: new bindings are asked about and started,
   * removed ones stopped, reloaded ones (a new instance under the same name) restarted. Call after
   * Component resources changed.
   */
  reconcile(): Promise<void> {
    this.serial(async () => {
      if (this.stopped) return;
      const live = this.deps.bindings();
      for (const [name, s] of [...this.subscribed]) {
        if (live.get(name) === s.binding) continue;
        this.subscribed.delete(name);
        if (s.stop) await s.stop().catch(() => undefined);
      }
      for (const [name, inst] of live) {
        if (this.subscribed.has(name) || !isInputBinding(inst) || !hasDirection(this.deps.metadataOf(name), 'input')) continue;
        const sub = await this.subscription(name, inst);
        if (sub) this.subscribed.set(name, sub);
      }
      if (!this.deps.appHealth || this.deps.appHealth.isHealthy()) await this.resumeAll();
    });
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.appHealth?.off('change', this.onHealth);
    this.serial(() => this.pauseAll());
    await this.chain;
    this.subscribed.clear();
  }

  private serial(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((e: unknown) => this.deps.logger.error('input bindings', { error: (e as Error).message }));
  }

  private async subscription(name: string, binding: InputBinding): Promise<Subscribed | undefined> {
    const md = this.deps.metadataOf(name);
    const declared = !!md?.direction && hasDirection(md, 'input');
    const grpc = this.deps.grpcApp?.();
    if (grpc) {
      if (!declared) {
        const names = await grpcAppBindings(grpc);
        if (typeof names === 'string') return void this.deps.logger.warn(`cannot list the app's input bindings: ${names}`);
        if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) return void this.deps.logger.info(`app did not subscribe to input binding ${name}`);
      }
      return { name, binding, deliver: (ev) => deliverGrpc(grpc, name, ev) };
    }
    const channel = this.deps.appChannel?.();
    if (!channel) return undefined;
    const route = routeOf(name, md);
    if (!declared) {
      const ok = await httpAppSubscribed(channel, route);
      if (typeof ok === 'string') return void this.deps.logger.warn(`cannot ask the app about input binding ${name}: ${ok}`);
      if (!ok) return void this.deps.logger.info(`app did not subscribe to input binding ${name} (OPTIONS ${route})`);
    }
    return { name, binding, deliver: (ev) => deliverHttp(channel, route, ev) };
  }

  private async resumeAll(): Promise<void> {
    if (this.stopped) return;
    for (const s of this.subscribed.values()) {
      if (s.stop) continue;
      try {
        s.stop = await s.binding.read((ev) => this.handle(s, ev));
        this.deps.logger.info(`input binding ${s.name} is delivering to the app`);
      } catch (e) {
        this.deps.logger.error(`input binding ${s.name} failed to start reading`, { error: (e as Error).message });
      }
    }
  }

  private async pauseAll(): Promise<void> {
    for (const s of this.subscribed.values()) {
      const stop = s.stop;
      s.stop = undefined;
      if (stop) await stop().catch(() => undefined);
    }
  }

  /** Resolves with the app's reply; rejects so the driver can redeliver or drop. */
  private async handle(s: Subscribed, ev: InputBindingEvent): Promise<Buffer | undefined> {
    const out = await s.deliver(ev);
    if (!out.ok) {
      this.deps.logger.warn(`input binding ${s.name}: app did not accept the event`, { error: out.error });
      throw new Error(out.error);
    }
    if (out.actions) await this.act(s.name, out.actions);
    return out.body;
  }

  private async act(name: string, a: BindingReplyActions): Promise<void> {
    if (a.states.length > 0 && a.storeName && this.deps.saveState) {
      const err = await this.deps.saveState(a.storeName, a.states);
      if (err) this.deps.logger.warn(`input binding ${name}: saving the app's state to ${a.storeName} failed`, { error: err });
    }
    if (a.to.length > 0 && this.deps.invokeOutput && a.data.length > 0) {
      const send = (to: string): Promise<void> => this.deps.invokeOutput!(to, a.data).then((err) => {
        if (err) this.deps.logger.warn(`input binding ${name}: output binding ${to} failed`, { error: err });
      });
      if (a.parallel) await Promise.all(a.to.map(send));
      else for (const to of a.to) await send(to);
    }
  }
}
