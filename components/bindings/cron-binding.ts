/**
 * bindings.cron (input): fires on `schedule` - 5 or 6 fields (seconds first when 6), descriptors
 * (@yearly, @monthly, @weekly, @daily, @hourly ...) via croner, and `@every <Go duration>`
 * handled here. Output operation "delete" stops the schedule, as daprd's does.
 * Events carry no data and metadata {timeZone, readTimeUTC}.
 */
import { Cron } from 'croner';
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { parseDurationMs } from '../state/common/duration';
import type { BindingInvokeResponse, InputBindingHandler } from './contract';

type Stopper = { stop(): void };

export function startSchedule(schedule: string, timezone: string | undefined, tick: () => void): Stopper {
  const s = schedule.trim();
  const every = /^@every\s+(.+)$/i.exec(s);
  if (every) {
    const ms = parseDurationMs(every[1]!.trim(), 0);
    if (!(ms > 0)) throw new Error(`invalid @every duration "${every[1]}"`);
    const t = setInterval(tick, ms);
    return { stop: () => clearInterval(t) };
  }
  const job = new Cron(s, { ...(timezone ? { timezone } : {}), protect: true }, tick);
  return { stop: () => job.stop() };
}

export class CronBinding {
  private readonly schedule: string;
  private readonly timezone: string | undefined;
  private readonly running = new Set<Stopper>();

  constructor(component: ResolvedComponent) {
    this.schedule = component.metadata.schedule ?? '';
    this.timezone = component.metadata.timeZone || undefined;
  }

  async init(): Promise<void> {
    if (!this.schedule) throw new Error('cron binding: required metadata "schedule" is missing');
    startSchedule(this.schedule, this.timezone, () => undefined).stop(); // validates the expression
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {
    for (const r of this.running) r.stop();
    this.running.clear();
  }

  async read(handler: InputBindingHandler): Promise<() => Promise<void>> {
    const tz = this.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    const job = startSchedule(this.schedule, this.timezone, () => {
      void handler({ data: Buffer.alloc(0), metadata: { timeZone: tz, readTimeUTC: new Date().toISOString() } }).catch(() => undefined);
    });
    this.running.add(job);
    return async () => {
      job.stop();
      this.running.delete(job);
    };
  }

  operations(): readonly string[] {
    return ['delete'];
  }

  async invoke(): Promise<BindingInvokeResponse> {
    await this.close();
    return {};
  }
}

export const cronBindingDriver: ComponentDriver<CronBinding> = {
  types: ['bindings.cron'],
  versions: ['v1'],
  create: (c) => new CronBinding(c),
};
