/**
 * Options of the mdns resolver, read from Configuration spec.nameResolution.configuration.
 * daprd's mdns resolver takes no configuration; every key here is optional and Outrigger-specific:
 *   resolveTimeout  how long a resolve with an empty cache waits for a first answer ("1s", "500ms", or ms)
 *   ttl             seconds our announced records live (refreshed by re-announcing before expiry)
 *   interface       IPv4 address of the interface to send multicast on (default: all, then loopback)
 *   port            UDP port (default 5353; only for isolated setups, daprd always uses 5353)
 *   probeTimeout    how long init waits to hear its own probe before trying the next interface
 */
import { isIPv4 } from 'node:net';

export interface MdnsOptions {
  readonly resolveTimeoutMs: number;
  readonly ttlSeconds: number;
  readonly interface?: string;
  readonly port: number;
  readonly probeTimeoutMs: number;
}

export const defaultMdnsOptions: MdnsOptions = {
  resolveTimeoutMs: 1000,
  ttlSeconds: 120,
  port: 5353,
  probeTimeoutMs: 1000,
};

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** "1s", "250ms", "1m", or a number of milliseconds. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}

const field = (k: string): string => `nameResolution.configuration.${k}`;

export function parseMdnsOptions(cfg: Record<string, unknown> | undefined): ParseResult<MdnsOptions> {
  const c = cfg ?? {};
  let out: MdnsOptions = { ...defaultMdnsOptions };
  for (const key of ['resolveTimeout', 'probeTimeout'] as const) {
    if (c[key] === undefined) continue;
    const ms = parseDurationMs(c[key]);
    if (ms === undefined) return { ok: false, message: `${field(key)}: ${JSON.stringify(c[key])} is not a duration (e.g. "1s", "500ms")` };
    out = key === 'resolveTimeout' ? { ...out, resolveTimeoutMs: ms } : { ...out, probeTimeoutMs: ms };
  }
  if (c.ttl !== undefined) {
    const ttl = typeof c.ttl === 'string' ? Number(c.ttl) : c.ttl;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
      return { ok: false, message: `${field('ttl')}: ${JSON.stringify(c.ttl)} must be a whole number of seconds between 1 and 86400` };
    }
    out = { ...out, ttlSeconds: ttl };
  }
  if (c.interface !== undefined) {
    if (typeof c.interface !== 'string' || !isIPv4(c.interface)) {
      return { ok: false, message: `${field('interface')}: ${JSON.stringify(c.interface)} must be the IPv4 address of a local interface` };
    }
    out = { ...out, interface: c.interface };
  }
  if (c.port !== undefined) {
    const port = typeof c.port === 'string' ? Number(c.port) : c.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { ok: false, message: `${field('port')}: ${JSON.stringify(c.port)} is not a UDP port` };
    }
    out = { ...out, port };
  }
  return { ok: true, value: out };
}
