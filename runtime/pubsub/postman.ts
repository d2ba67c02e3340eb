/**
 * A postman hands events to a subscriber (an HTTP app, a gRPC app, a streaming client) and reports
 * the subscriber's verdict. It never throws: a failed call is a RETRY verdict.
 */
import type { IncomingEvent } from './incoming';
import type { Verdict } from './answer';

export interface DeliveryMessage {
  readonly pubsubName: string;
  /** The route path chosen by the routing rules. */
  readonly path: string;
  readonly event: IncomingEvent;
}

export interface BulkDeliveryEntry {
  readonly entryId: string;
  readonly event: IncomingEvent;
  /** The broker message's bytes and content type (raw payload entries carry these). */
  readonly raw: Buffer;
  readonly contentType: string;
}

export interface BulkDelivery {
  readonly pubsubName: string;
  readonly topic: string;
  readonly path: string;
  readonly rawPayload: boolean;
  readonly entries: readonly BulkDeliveryEntry[];
}

export interface Postman {
  deliver(m: DeliveryMessage): Promise<Verdict>;
  /** Verdict per entryId; entries without one count as RETRY. */
  deliverBulk(b: BulkDelivery): Promise<Map<string, Verdict>>;
}

/** The string value of a CE field, '' when absent or not a string. */
export function ceString(ce: Record<string, unknown>, key: string): string {
  const v = ce[key];
  return typeof v === 'string' ? v : '';
}
