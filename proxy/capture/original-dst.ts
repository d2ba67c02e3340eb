/**
 * The original destination of a REDIRECTed connection. Linux keeps it in the connection-tracking
 * entry (what getsockopt(SO_ORIGINAL_DST) reads); Node cannot call that getsockopt, so we read the
 * same entry from /proc/net/nf_conntrack (per network namespace, no native addon): the entry whose
 * reply tuple is (our local address:port -> the client's address:port) has the original
 * destination in its original tuple. Both families: IPv6 connections (what IP6T_SO_ORIGINAL_DST
 * would return) are the "ipv6" lines, with addresses printed as 8 four-digit groups, so addresses
 * are compared in that canonical form.
 */
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';

export interface Destination {
  readonly host: string;
  readonly port: number;
}

export interface SocketTuple {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

export type OriginalDstResult = { readonly ok: true; readonly dst: Destination } | { readonly ok: false; readonly reason: string };

export const CONNTRACK_FILE = '/proc/net/nf_conntrack';

/** "::ffff:10.0.0.1" -> "10.0.0.1"; IPv6 expanded to 8 four-digit groups (as conntrack prints it). */
export function canonicalAddress(addr: string): string {
  const a = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  if (!isIPv6(a)) return a;
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0').toLowerCase()).join(':');
}

interface Tuple { src: string; dst: string; sport: number; dport: number }

/** Parses one conntrack line into its original and reply tuples (TCP only). */
export function parseConntrackLine(line: string): { orig: Tuple; reply: Tuple } | undefined {
  if (!line.includes(' tcp ')) return undefined;
  const tuples: Partial<Tuple>[] = [{}, {}];
  let idx = 0;
  for (const tok of line.split(/\s+/)) {
    const eq = tok.indexOf('=');
    if (eq < 0) continue;
    const k = tok.slice(0, eq);
    const v = tok.slice(eq + 1);
    const cur = tuples[idx];
    if (!cur) break;
    if (k === 'src') cur.src = canonicalAddress(v);
    else if (k === 'dst') cur.dst = canonicalAddress(v);
    else if (k === 'sport') cur.sport = Number(v);
    else if (k === 'dport') { cur.dport = Number(v); idx++; }
  }
  const [o, r] = tuples as [Partial<Tuple>, Partial<Tuple>];
  if (o.src === undefined || o.dst === undefined || o.sport === undefined || o.dport === undefined) return undefined;
  if (r.src === undefined || r.dst === undefined || r.sport === undefined || r.dport === undefined) return undefined;
  return { orig: o as Tuple, reply: r as Tuple };
}

/** Finds the original destination of `socket` in conntrack text. */
export function findOriginalDst(text: string, socket: SocketTuple): Destination | undefined {
  if (!socket.localAddress || !socket.remoteAddress || !socket.localPort || !socket.remotePort) return undefined;
  const local = canonicalAddress(socket.localAddress);
  const remote = canonicalAddress(socket.remoteAddress);
  const needle = `sport=${socket.localPort} dport=${socket.remotePort}`;
  let from = 0;
  for (;;) {
    const at = text.indexOf(needle, from);
    if (at < 0) return undefined;
    const start = text.lastIndexOf('\n', at) + 1;
    const endAt = text.indexOf('\n', at);
    const line = text.slice(start, endAt < 0 ? text.length : endAt);
    from = at + needle.length;
    const t = parseConntrackLine(line);
    if (!t) continue;
    const r = t.reply;
    if (r.src === local && r.sport === socket.localPort && r.dst === remote && r.dport === socket.remotePort) {
      return { host: t.orig.dst, port: t.orig.dport };
    }
  }
}

/** Reads conntrack for the socket's original destination. Never throws. */
export async function originalDestination(socket: SocketTuple, file = CONNTRACK_FILE): Promise<OriginalDstResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, reason: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): load nf_conntrack or exclude non-HTTP ports from capture` };
  }
  const dst = findOriginalDst(text, socket);
  return dst ? { ok: true, dst } : { ok: false, reason: 'no connection-tracking entry for this connection (not redirected?)' };
}
