/**
 * The pub/sub building block's driver interface. A driver moves opaque bytes (normally a
 * CloudEvent JSON built by the runtime) between publishers and subscribers; the runtime decides
 * envelopes, routing, retries and dead letters. Delivery is at-least-once: the handler's promise
 * settles the message — resolve = acknowledge to the broker, reject = leave it for redelivery.
 * A driver acknowledges nothing before its handler resolved.
 */
import type { ComponentInstance } from '../contract';

/** Declared features (listed by the metadata API). */
export type PubsubFeature = 'MESSAGE_TTL' | 'BULK_PUBLISH' | 'BULK_SUBSCRIBE' | 'SUBSCRIBE_WILDCARDS';
export const PubsubFeatures = {
  MESSAGE_TTL: 'MESSAGE_TTL',
  BULK_PUBLISH: 'BULK_PUBLISH',
  BULK_SUBSCRIBE: 'BULK_SUBSCRIBE',
  SUBSCRIBE_WILDCARDS: 'SUBSCRIBE_WILDCARDS',
} as const satisfies Record<PubsubFeature, PubsubFeature>;

export interface PublishRequest {
  readonly topic: string;
  readonly data: Buffer;
  readonly contentType?: string;
  /**
   * Request metadata (e.g. ttlInSeconds, rawPayload, driver-specific keys). Drivers with message
   * headers carry the keys that are not publish controls (see common/metadata.ts carriedMetadata)
   * to subscribers as PubsubMessage.metadata; MQTT 3 carries none.
   */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BulkPublishEntry {
  readonly entryId: string;
  readonly data: Buffer;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BulkPublishResult {
  /** Entries that failed, with why; empty when all succeeded. */
  readonly failedEntries: ReadonlyArray<{ readonly entryId: string; readonly error: string }>;
}

export interface PubsubMessage {
  /** Broker message id when the broker has one. */
  readonly id?: string;
  readonly topic: string;
  readonly data: Buffer;
  /** Broker message metadata; delivered to HTTP apps as headers. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType?: string;
}

export interface SubscribeRequest {
  readonly topic: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Consumer group: one delivery per group (default: the app id); `{uuid}` style ids fan out. */
  readonly consumerGroup: string;
  /** Upper bound of messages handed to the handler at once; 1 keeps broker order. */
  readonly maxInFlight: number;
}

/** Resolve to acknowledge; reject to ask for redelivery. */
/**
 * Settles one message: resolves when it may be acknowledged (to 'drop' when the app dropped it,
 * which is acknowledged too), rejects when it must be redelivered.
 */
export type MessageHandler = (msg: PubsubMessage) => Promise<void | 'drop'>;

/**
 * close() releases the broker connections without waiting for running handlers: what they had
 * not acknowledged comes back to the consumer group later (durable drivers), never lost.
 */
export interface PubSub extends ComponentInstance {
  publish(req: PublishRequest): Promise<void>;
  /** Drivers with BULK_PUBLISH implement it natively; the runtime falls back to publish(). */
  bulkPublish?(topic: string, entries: readonly BulkPublishEntry[]): Promise<BulkPublishResult>;
  /** Starts delivering; returns a function that stops this subscription (in-flight handlers finish). */
  subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>>;
}
