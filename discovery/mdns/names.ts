/**
 * DNS-SD naming as daprd's mdns resolver (grandcat/zeroconf) uses it:
 *   service  = "<appId>.local"                 (PTR  -> instance)
 *   instance = "<label>.<appId>.local"         (SRV  -> target:internalPort, TXT ["<appId>", ...])
 *   target   = "<host label>.local"            (A/AAAA -> address)
 * Names are written without the trailing dot (dns-packet's form) and compared case-insensitively.
 */
import { hostname } from 'node:os';

export const MDNS_DOMAIN = 'local';
/** DNS-SD service type enumeration (RFC 6763 §9). */
export const SERVICES_ENUMERATION = '_services._dns-sd._udp.local';

export function serviceName(appId: string): string {
  return `${appId}.${MDNS_DOMAIN}`;
}

/** A name key for maps: lower case, no trailing dot. */
export function nameKey(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}

/** One DNS label: dots would split it into several labels, so they become dashes. */
function label(text: string): string {
  const cleaned = text.replace(/[.\s]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 63) : 'outrigger';
}

/** Names this process announces for one registration; unique per process and internal port. */
export interface OwnNames {
  readonly service: string;
  readonly instance: string;
  readonly target: string;
}

export function ownNames(appId: string, internalPort: number): OwnNames {
  const host = label(hostname());
  // daprd uses "<hostname>:<pid>" as the instance; the port keeps two resolvers of one process apart.
  const instanceLabel = label(`${host}:${process.pid}:${internalPort}`);
  return {
    service: serviceName(appId),
    instance: `${instanceLabel}.${serviceName(appId)}`,
    target: `${label(`${host}-${process.pid}-${internalPort}`)}.${MDNS_DOMAIN}`,
  };
}
