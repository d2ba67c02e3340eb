/**
 * Enforces the maximum gRPC message size on a request byte stream without decoding it: gRPC
 * frames every message as [1 byte flags][4 bytes big-endian length][payload]. The guard follows
 * those length prefixes across arbitrary chunk boundaries and reports the first message whose
 * declared length exceeds the limit, before its payload arrives.
 */
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';

/** grpc-go's wording, which clients and tests match on: `received message larger than max (N vs. M)`. */
export function messageTooLarge(length: number, limit: number): DaprError {
  return daprError(413, 'ERR_GRPC_MESSAGE_TOO_LARGE', `grpc: received message larger than max (${length} vs. ${limit})`, GrpcCode.RESOURCE_EXHAUSTED);
}

export class FrameGuard {
  /** Bytes of the current 5-byte prefix seen so far (0..4), or 5 while inside a payload. */
  private headerSeen = 0;
  private declaredLength = 0;
  /** Payload bytes still to skip in the current message. */
  private payloadLeft = 0;

  constructor(private readonly limit: number) {}

  /** Feeds the next chunk; returns the declared length of the first oversized message, or -1. */
  check(chunk: Uint8Array): number {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.payloadLeft > 0) {
        const skip = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= skip;
        i += skip;
        continue;
      }
      // Inside a prefix: byte 0 is the flags byte, bytes 1..4 the length.
      if (this.headerSeen === 0) this.declaredLength = 0;
      if (this.headerSeen > 0) this.declaredLength = this.declaredLength * 256 + chunk[i];
      this.headerSeen++;
      i++;
      if (this.headerSeen === 5) {
        this.headerSeen = 0;
        if (this.declaredLength > this.limit) return this.declaredLength;
        this.payloadLeft = this.declaredLength;
      }
    }
    return -1;
  }
}

/** A pass-through of an async byte iterable that throws `onTooLarge(length)` on an oversized message. */
export async function* guardFrames(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  onTooLarge: (length: number) => unknown,
): AsyncGenerator<Uint8Array> {
  const guard = new FrameGuard(limit);
  for await (const chunk of body) {
    const over = guard.check(chunk);
    if (over >= 0) throw onTooLarge(over);
    yield chunk;
  }
}
