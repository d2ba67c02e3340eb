/**
 * Bulk subscribe: messages are collected into batches of up to maxMessagesCount (or whatever
 * arrived within maxAwaitDurationMs) and delivered in one call per route path. Each entry settles
 * by its own status: SUCCESS acks, DROP dead-letters (when set) and acks, RETRY entries are tried
 * again by the retry policy and then dead-lettered or handed back to the broker.
 */
import { randomUUID } from 'node:crypto';
import type { PubsubMessage } from '../../components/pubsub/contract';
import type { Verdict } from './answer';
import { deadLetterOrRedeliver, prepare, RedeliverError, type DeliveryContext } from './delivery';
import { exhausted, retryDelay } from './retry-policy';
import { sleep, StoppedError } from './flow-control';
import type { BulkDeliveryEntry } from './postman';
import type { BulkSettings } from './subscription-spec';

export interface Pending {
  readonly msg: PubsubMessage;
  resolve(): void;
  reject(e: Error): void;
}

export class BulkBatcher {
  private batch: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly settings: BulkSettings, private readonly flush: (items: Pending[]) => Promise<void>) {}

  add(msg: PubsubMessage): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    return new Promise<void>((resolve, reject) => {
      this.batch.push({ msg, resolve, reject });
      if (this.batch.length >= this.settings.maxMessagesCount) this.release();
      else this.timer ??= setTimeout(() => this.release(), this.settings.maxAwaitDurationMs);
    });
  }

  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.batch;
    this.batch = [];
    if (items.length === 0) return;
    this.flush(items).catch((e: unknown) => {
      for (const it of items) it.reject(e instanceof Error ? e : new Error(String(e)));
    });
  }

  /** Rejects messages not yet handed to the app (the broker redelivers them). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const it of this.batch.splice(0)) it.reject(new StoppedError());
  }
}

interface Ready {
  readonly index: number;
  readonly pending: Pending;
  readonly path: string;
  readonly entry: BulkDeliveryEntry;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

async function settle(p: Pending, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    p.resolve();
  } catch (e) {
    p.reject(asError(e));
  }
}

/** Delivers one batch; every item is settled when this resolves. */
export async function deliverBatch(ctx: DeliveryContext, items: readonly Pending[]): Promise<void> {
  const ready: Ready[] = [];
  await Promise.all(items.map(async (pending, index) => {
    try {
      await ctx.gate.wait();
      const p = await prepare(ctx, pending.msg);
      if (p.kind === 'done') return pending.resolve();
      ready.push({ index, pending, path: p.path, entry: { entryId: randomUUID(), event: p.event, raw: pending.msg.data, contentType: pending.msg.contentType ?? '' } });
    } catch (e) {
      pending.reject(asError(e));
    }
  }));
  ready.sort((a, b) => a.index - b.index);
  const groups = new Map<string, Ready[]>();
  for (const r of ready) {
    let g = groups.get(r.path);
    if (!g) groups.set(r.path, (g = []));
    g.push(r);
  }
  await Promise.all([...groups].map(([path, group]) => deliverGroup(ctx, path, group)));
}

async function deliverGroup(ctx: DeliveryContext, path: string, group: Ready[]): Promise<void> {
  let remaining = group;
  let retries = 0;
  try {
    for (;;) {
      await ctx.gate.wait();
      const verdicts: Map<string, Verdict> = await ctx.postman.deliverBulk({
        pubsubName: ctx.pubsubName, topic: ctx.topic, path, rawPayload: ctx.rawPayload, entries: remaining.map((r) => r.entry),
      });
      const retry: Ready[] = [];
      const drops: Promise<void>[] = [];
      for (const r of remaining) {
        const v = verdicts.get(r.entry.entryId) ?? 'RETRY';
        if (v === 'SUCCESS') r.pending.resolve();
        else if (v === 'DROP') {
          drops.push(settle(r.pending, async () => {
            if (ctx.deadLetterTopic && !(await ctx.deadLetter(r.pending.msg))) throw new RedeliverError('failed to send dropped message to the dead-letter topic');
          }));
        } else retry.push(r);
      }
      await Promise.all(drops);
      remaining = retry;
      if (remaining.length === 0) return;
      if (!ctx.gate.isOpen()) continue;
      if (exhausted(ctx.policy, retries)) break;
      retries++;
      await sleep(retryDelay(ctx.policy, retries), ctx.signal);
    }
    const left = remaining;
    remaining = [];
    await Promise.all(left.map((r) => settle(r.pending, () => deadLetterOrRedeliver(ctx, r.pending.msg, 'retries exhausted for a bulk entry'))));
  } catch (e) {
    for (const r of remaining) r.pending.reject(asError(e));
  }
}
