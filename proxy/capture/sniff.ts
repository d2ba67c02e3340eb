/**
 * Protocol sniffing on a freshly accepted TCP connection: waits for the first bytes (bounded by a
 * timeout, because server-first protocols such as MySQL or SMTP never send first) and classifies
 * them. The bytes are pushed back onto the socket, so whoever takes the socket next reads them.
 */
import type { Socket } from 'node:net';

export type Sniffed = 'http1' | 'h2' | 'tls' | 'other' | 'silent' | 'closed';

const METHODS = ['GET ', 'POST ', 'PUT ', 'DELETE ', 'HEAD ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '];
/** The client connection preface of HTTP/2 with prior knowledge (RFC 9113 section 3.4): h2c, gRPC. */
export const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/**
 * Classifies a first chunk: the HTTP/2 preface (or, when the chunk is shorter, a prefix of it of at
 * least 3 bytes), a TLS handshake record, an HTTP/1.x request line (incomplete prefixes of a
 * method count), else 'other'.
 */
export function classify(first: Buffer): Exclude<Sniffed, 'silent' | 'closed'> {
  if (first.length === 0) return 'other';
  if (first[0] === 0x16 && first.length >= 3 && first[1] === 0x03) return 'tls';
  const preface = first.subarray(0, H2_PREFACE.length).toString('latin1');
  if (preface.length >= 3 && H2_PREFACE.startsWith(preface)) return 'h2';
  const head = preface.slice(0, 16);
  for (const m of METHODS) {
    const n = Math.min(m.length, head.length);
    if (head.slice(0, n) === m.slice(0, n)) return 'http1';
  }
  return 'other';
}

/** Resolves with the classification; the socket is paused with the first bytes unshifted. */
export function sniff(socket: Socket, timeoutMs: number): Promise<Sniffed> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Sniffed): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('end', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      socket.pause();
      socket.unshift(chunk);
      finish(classify(chunk));
    };
    const onClose = (): void => finish('closed');
    const timer = setTimeout(() => { socket.pause(); finish('silent'); }, timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('end', onClose);
    socket.resume(); // accepted paused (pauseOnConnect): start reading the first bytes
  });
}
