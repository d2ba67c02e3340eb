/**
 * Opens the mDNS socket (multicast-dns on UDP 224.0.0.251:5353, SO_REUSEADDR so several sidecars
 * share the port, IP_MULTICAST_LOOP on so sidecars of one machine hear each other) and proves it
 * works by hearing its own probe query. Candidates, in order:
 *   1. the configured interface, if any;
 *   2. all interfaces (membership on each, sending on the default multicast route);
 *   3. loopback only (127.0.0.1), for machines whose default route does not carry multicast.
 * The socket is always bound to 0.0.0.0: a socket bound to a unicast address receives no multicast.
 * Rejects with DiscoveryError MDNS_UNAVAILABLE naming each candidate's failure.
 */
import makeMdns = require('multicast-dns');
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../observability/logger';
import { DiscoveryError } from '../errors';

export type MdnsSocket = makeMdns.MulticastDNS;

export interface OpenOptions {
  readonly port: number;
  readonly interface?: string;
  readonly probeTimeoutMs: number;
}

export interface OpenedSocket {
  readonly mdns: MdnsSocket;
  /** The interface used for sending, or "all" for the default. */
  readonly via: string;
}

function destroy(m: MdnsSocket): Promise<void> {
  return new Promise((resolve) => m.destroy(() => resolve()));
}

/** Resolves with the socket once our own probe came back, or rejects with the reason. */
function tryOpen(port: number, iface: string | undefined, probeTimeoutMs: number, log: Logger): Promise<MdnsSocket> {
  return new Promise((resolve, reject) => {
    const mdns = makeMdns({ port, reuseAddr: true, bind: '0.0.0.0', loopback: true, ...(iface ? { interface: iface } : {}) });
    const probeName = `_outrigger-probe-${randomBytes(6).toString('hex')}.local`;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      mdns.removeListener('query', onQuery);
      mdns.removeListener('error', onError);
      if (err) void destroy(mdns).then(() => reject(err));
      else resolve(mdns);
    };
    const onQuery = (q: makeMdns.QueryPacket): void => {
      if (q.questions.some((x) => x.name === probeName)) finish();
    };
    const onError = (err: Error): void => finish(err);
    const timer = setTimeout(() => finish(new Error(`own probe not heard back within ${probeTimeoutMs}ms`)), probeTimeoutMs);
    mdns.on('query', onQuery);
    mdns.on('error', onError);
    // Membership failures on single interfaces are expected (e.g. down links); others still work.
    mdns.on('warning', (err: Error) => log.debug('mdns socket warning', { error: err }));
    mdns.once('ready', () => {
      mdns.query([{ name: probeName, type: 'A' }], (err) => {
        if (err) finish(err);
      });
    });
  });
}

export async function openMdnsSocket(opts: OpenOptions, log: Logger): Promise<OpenedSocket> {
  const candidates: Array<string | undefined> = opts.interface ? [opts.interface] : [undefined, '127.0.0.1'];
  const reasons: string[] = [];
  for (const iface of candidates) {
    const via = iface ?? 'all interfaces';
    try {
      const mdns = await tryOpen(opts.port, iface, opts.probeTimeoutMs, log);
      log.debug('mdns socket ready', { via, port: opts.port });
      return { mdns, via };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      reasons.push(`${via}: ${msg}`);
      log.debug('mdns candidate failed', { via, error: msg });
    }
  }
  throw new DiscoveryError(
    'MDNS_UNAVAILABLE',
    `mDNS unavailable: ${reasons.join('; ')}; configure Configuration spec.nameResolution.component (e.g. "static" with apps) ` +
      'or spec.nameResolution.configuration.interface',
  );
}
