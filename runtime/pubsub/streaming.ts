/**
 * Streaming subscriptions (Dapr/SubscribeTopicEventsAlpha1, bidi): the client's first message is
 * `initial_request{pubsub_name, topic, metadata, dead_letter_topic}`; the sidecar answers
 * `initial_response{}`, then streams `event_message` (a TopicEventRequest) and waits for the client's
 * `event_processed{id, status}` for each. The subscription lives as long as the stream; events not
 * acknowledged when it ends go back to the broker.
 */
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { SubscribeTopicEventsRequestAlpha1, SubscribeTopicEventsResponseAlpha1Schema } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import { grpcStatusVerdict, type Verdict } from './answer';
import { topicEventRequest } from './grpc-postman';
import type { BulkDelivery, DeliveryMessage, Postman } from './postman';
import { ActiveSubscription, type SubscriberDeps } from './subscriber';
import type { SubscriptionSpec } from './subscription-spec';

type Out = MessageInitShape<typeof SubscribeTopicEventsResponseAlpha1Schema>;

/** An unbounded async queue that ends when closed. */
class Outbox<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(v: T): void {
    if (this.closed) return;
    this.items.push(v);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const next = this.items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => { this.wake = r; });
      this.wake = undefined;
    }
  }
}

/** Sends events down the stream and resolves each with the client's event_processed status. */
export class StreamPostman implements Postman {
  private readonly waiting = new Map<string, Array<(v: Verdict) => void>>();
  private closed = false;

  constructor(private readonly send: (o: Out) => void) {}

  deliver(m: DeliveryMessage): Promise<Verdict> {
    if (this.closed) return Promise.resolve('RETRY');
    const req = topicEventRequest(m);
    return new Promise<Verdict>((resolve) => {
      const id = String(req.id ?? '');
      const list = this.waiting.get(id) ?? [];
      list.push(resolve);
      this.waiting.set(id, list);
      this.send({ subscribeTopicEventsResponseType: { case: 'eventMessage', value: req } });
    });
  }

  async deliverBulk(b: BulkDelivery): Promise<Map<string, Verdict>> {
    const out = new Map<string, Verdict>();
    for (const e of b.entries) out.set(e.entryId, await this.deliver({ pubsubName: b.pubsubName, path: b.path, event: e.event }));
    return out;
  }

  ack(id: string, status: number): void {
    const list = this.waiting.get(id);
    const resolve = list?.shift();
    if (list && list.length === 0) this.waiting.delete(id);
    resolve?.(grpcStatusVerdict(status));
  }

  /** The stream ended: every unanswered event is retried (back to the broker). */
  close(): void {
    this.closed = true;
    for (const list of this.waiting.values()) for (const r of list) r('RETRY');
    this.waiting.clear();
  }
}

export interface StreamingDeps extends Omit<SubscriberDeps, 'postman' | 'health'> {
  /** Registers a live streaming subscription (for the metadata API); returns its removal. */
  register(spec: SubscriptionSpec): () => void;
}

export function streamingHandler(deps: StreamingDeps) {
  return async function* subscribeTopicEventsAlpha1(requests: AsyncIterable<SubscribeTopicEventsRequestAlpha1>, ctx: HandlerContext): AsyncIterable<Out> {
    const it = requests[Symbol.asyncIterator]();
    const first = await it.next();
    const kind = first.done ? undefined : first.value.subscribeTopicEventsRequestType;
    if (!kind || kind.case !== 'initialRequest') throw new ConnectError('initial request is required', Code.InvalidArgument);
    const init = kind.value;
    const r = deps.api.resolve(init.pubsubName, init.topic);
    if (!r.ok) throw connectErrorFromDaprError(r.error);
    const queue = new Outbox<Out>();
    const postman = new StreamPostman((o) => queue.push(o));
    const spec: SubscriptionSpec = {
      kind: 'STREAMING', pubsubName: init.pubsubName, topic: init.topic, metadata: { ...init.metadata }, rules: [{ match: '', path: '' }],
      ...(init.deadLetterTopic ? { deadLetterTopic: init.deadLetterTopic } : {}),
    };
    const started = await ActiveSubscription.start(spec, { ...deps, postman, retryPolicy: deps.retryPolicy });
    if (!started.ok) {
      const code = started.message.includes('is not allowed') ? Code.PermissionDenied : Code.InvalidArgument;
      throw new ConnectError(started.message, code);
    }
    const unregister = deps.register(spec);
    const onAbort = (): void => queue.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const reader = (async () => {
      for (;;) {
        const n = await it.next();
        if (n.done) break;
        const t = n.value.subscribeTopicEventsRequestType;
        if (t.case === 'eventProcessed') postman.ack(t.value.id, t.value.status?.status ?? 0);
      }
    })().catch(() => undefined).finally(() => queue.close());
    try {
      yield { subscribeTopicEventsResponseType: { case: 'initialResponse', value: {} } };
      for await (const o of queue) yield o;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      postman.close();
      unregister();
      await started.subscription.stop(1000);
      void reader;
    }
  };
}
