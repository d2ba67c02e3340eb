/** Loopback-only helpers: free ports and bounded readiness polling. */
import { createServer, connect } from 'node:net';
import { request } from 'node:http';

export const LOOPBACK = '127.0.0.1';

/** A port the OS considers free right now (bound to 127.0.0.1:0 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, LOOPBACK, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

export function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: LOOPBACK, port });
    sock.setTimeout(500);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** One GET on loopback with a timeout; never throws (status 0 = transport error). */
export function httpGet(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = request({ host: LOOPBACK, port, path, method: 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', () => resolve({ status: 0, body: Buffer.alloc(0) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: Buffer.from(e.message) }));
    req.end();
  });
}

/**
 * Polls `check` every `everyMs` until it returns true, the deadline passes, or `abort` resolves
 * (e.g. the process exited). Returns elapsed ms or a reason string.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  deadlineMs: number,
  everyMs: number,
  abort?: Promise<string>,
): Promise<{ ok: true; ms: number } | { ok: false; reason: string }> {
  const t0 = performance.now();
  let aborted: string | undefined;
  void abort?.then((r) => (aborted = r));
  const maxTries = Math.ceil(deadlineMs / Math.max(1, everyMs)) + 1;
  for (let i = 0; i < maxTries; i++) {
    if (aborted !== undefined) return { ok: false, reason: `process ended (${aborted})` };
    if (await check()) return { ok: true, ms: performance.now() - t0 };
    if (performance.now() - t0 > deadlineMs) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { ok: false, reason: `not ready within ${deadlineMs} ms` };
}
