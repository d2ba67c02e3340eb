/**
 * The life of one broker message on the subscriber side, as daprd runs it:
 *   parse (CE / rawPayload / binary) -> drop if expired -> route (CEL rules) -> deliver, retrying by
 *   the retry policy while the app answers RETRY -> dead-letter on DROP, on exhausted retries and on
 *   unreadable or unroutable events when a deadLetterTopic is set.
 * The returned promise settles the broker message: resolve = ack, reject = redeliver. An ack happens
 * only after the app accepted the event or its dead letter was published. While the app is unhealthy
 * the delivery waits at the gate; an attempt that failed because the app went unhealthy is not counted.
 */
import type { PubsubMessage } from '../../components/pubsub/contract';
import type { Logger } from '../../observability/logger';
import { hasExpired } from '../../api/pubsub/envelope';
import { readIncoming, type IncomingEvent } from './incoming';
import { matchRoute, type CompiledRule } from './routing';
import type { Postman } from './postman';
import { exhausted, type RetryPolicy, retryDelay } from './retry-policy';
import { sleep, type HealthGate } from './flow-control';
import type { Verdict } from './answer';

export interface DeliveryContext {
  readonly pubsubName: string;
  readonly topic: string;
  readonly rules: readonly CompiledRule[];
  readonly rawPayload: boolean;
  readonly namespacePrefix: string;
  readonly deadLetterTopic?: string;
  readonly postman: Postman;
  readonly gate: HealthGate;
  readonly policy: RetryPolicy;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Republishes the original message to the dead-letter topic; resolves true when published. */
  deadLetter(msg: PubsubMessage): Promise<boolean>;
}

export class RedeliverError extends Error {}

/** Dead-letters when a DLQ is set and the publish worked; otherwise rejects for redelivery. */
export async function deadLetterOrRedeliver(ctx: DeliveryContext, msg: PubsubMessage, why: string): Promise<void> {
  if (ctx.deadLetterTopic && (await ctx.deadLetter(msg))) {
    ctx.logger.warn(`event sent to dead-letter topic ${ctx.deadLetterTopic}: ${why}`, { topic: ctx.topic });
    return;
  }
  throw new RedeliverError(why);
}

/** Copies to the DLQ when one is set; failures are only logged (the event is acked anyway). */
async function copyToDeadLetter(ctx: DeliveryContext, msg: PubsubMessage): Promise<void> {
  if (ctx.deadLetterTopic) await ctx.deadLetter(msg);
}

export type Prepared =
  | { readonly kind: 'deliver'; readonly event: IncomingEvent; readonly path: string }
  | { readonly kind: 'done' };

/** Parse, expiry and routing: either an event to deliver, or the message is already settled. */
export async function prepare(ctx: DeliveryContext, msg: PubsubMessage): Promise<Prepared> {
  const inc = readIncoming(msg, { pubsubName: ctx.pubsubName, rawPayload: ctx.rawPayload, namespacePrefix: ctx.namespacePrefix });
  if (!inc.ok) {
    ctx.logger.error(inc.message);
    await deadLetterOrRedeliver(ctx, msg, inc.message);
    return { kind: 'done' };
  }
  const ce = inc.event.cloudEvent;
  if (hasExpired(ce)) {
    ctx.logger.warn(`dropping expired pub/sub event ${String(ce.id)} as of ${String(ce.expiration)}`);
    await copyToDeadLetter(ctx, msg);
    return { kind: 'done' };
  }
  const route = matchRoute(ctx.rules, ce);
  if (route.kind === 'error') {
    ctx.logger.error(`error finding matching route for event ${String(ce.id)} in pubsub ${ctx.pubsubName} and topic ${ctx.topic}: ${route.message}`);
    await deadLetterOrRedeliver(ctx, msg, route.message);
    return { kind: 'done' };
  }
  if (route.kind === 'none') {
    ctx.logger.debug(`no matching route for event ${String(ce.id)} in pubsub ${ctx.pubsubName} and topic ${ctx.topic}; skipping`);
    await copyToDeadLetter(ctx, msg);
    return { kind: 'done' };
  }
  return { kind: 'deliver', event: inc.event, path: route.path };
}

/** Runs `attempt` under the retry policy; resolves the final verdict ('RETRY' = exhausted). */
export async function withRetries(ctx: DeliveryContext, attempt: () => Promise<Verdict>): Promise<Verdict> {
  let retries = 0;
  for (;;) {
    await ctx.gate.wait();
    const v = await attempt();
    if (v !== 'RETRY') return v;
    // The app went unhealthy during the attempt: wait for it instead of spending a retry.
    if (!ctx.gate.isOpen()) continue;
    if (exhausted(ctx.policy, retries)) return 'RETRY';
    retries++;
    await sleep(retryDelay(ctx.policy, retries), ctx.signal);
  }
}

/** One message, start to settlement; 'drop' when the app answered DROP (acknowledged, dead-lettered if configured). */
export async function deliverOne(ctx: DeliveryContext, msg: PubsubMessage): Promise<void | 'drop'> {
  await ctx.gate.wait();
  const p = await prepare(ctx, msg);
  if (p.kind === 'done') return;
  const verdict = await withRetries(ctx, () => ctx.postman.deliver({ pubsubName: ctx.pubsubName, path: p.path, event: p.event }));
  if (verdict === 'SUCCESS') return;
  if (verdict === 'DROP') {
    ctx.logger.warn(`DROP status returned from app while processing pub/sub event ${String(p.event.cloudEvent.id)}`);
    if (ctx.deadLetterTopic && !(await ctx.deadLetter(msg))) throw new RedeliverError('failed to send dropped message to the dead-letter topic');
    return 'drop';
  }
  await deadLetterOrRedeliver(ctx, msg, `retries exhausted for pub/sub event ${String(p.event.cloudEvent.id)}`);
}
