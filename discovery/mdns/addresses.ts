/**
 * Which addresses to put in our A/AAAA records for SelfRegistration.host: an IP literal as is,
 * a wildcard ("", 0.0.0.0, ::) as this machine's external IPv4 addresses (else 127.0.0.1),
 * a host name as what it resolves to.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

function externalIPv4(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

/** Never empty; rejects only if a host name does not resolve. */
export async function announcedAddresses(host: string): Promise<string[]> {
  if (WILDCARDS.has(host)) {
    const ext = externalIPv4();
    return ext.length > 0 ? ext : ['127.0.0.1'];
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return [bare];
  const found = await lookup(bare, { all: true });
  if (found.length === 0) throw new Error(`host ${host} has no addresses`);
  return found.map((a) => a.address);
}
