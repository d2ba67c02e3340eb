/**
 * Dapr's built-in service-invocation retries. When no Resiliency target names the called app,
 * daprd retries a call to the other sidecar that fails with gRPC Unavailable or Unauthenticated
 * (it could not reach or could not authenticate the other side), constant 1 s, 3 times, unless a
 * `DaprBuiltInServiceRetries` retry policy overrides that (ResiliencyEngine.serviceRetryFor).
 * An answer from the other side, whatever its status, is never retried here.
 *
 * Outrigger's equivalent of those two gRPC codes: connection-level failures before any response
 * (refused, reset, unreachable, DNS, connect timeout, closed socket) and TLS handshake failures.
 * A streamed request body is retried only when none of it has been read yet.
 */
import type { Readable } from 'node:stream';

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

/** True when `err` means the other sidecar could not be reached or the TLS handshake failed. */
export function isConnectFailure(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 3 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && (CONNECT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** True when a request body can be sent again: none, in memory, or a stream nothing has read yet. */
export function bodyReplayable(body: Buffer | Readable | null): boolean {
  if (body === null || Buffer.isBuffer(body)) return true;
  return !body.readableDidRead && !body.destroyed;
}

/** The message of a call that still failed after built-in retries (as daprd words it). */
export function afterRetriesMessage(appId: string, retries: number, message: string): string {
  return retries > 0 ? `failed to invoke target ${appId} after ${retries} retries. Error: ${message}` : message;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
