/**
 * Which Dapr app id a captured HTTP request is for, from its Host / :authority:
 *   orders                         -> orders             (the caller's namespace)
 *   orders.ns                      -> orders.ns
 *   orders.ns.svc[.cluster.local]  -> orders.ns          (Kubernetes service names)
 *   IP literals and other names    -> undefined          (not a mesh app: original destination)
 * The port is ignored. A candidate is used only if the name resolver knows it (see capture).
 */
import { isIP } from 'node:net';

export function hostName(authority: string | undefined): string | undefined {
  if (!authority) return undefined;
  let h = authority.trim().toLowerCase();
  if (h.startsWith('[')) return undefined; // IPv6 literal
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h || undefined;
}

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function appIdFromHost(authority: string | undefined): string | undefined {
  const h = hostName(authority);
  if (!h || isIP(h)) return undefined;
  const labels = h.split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  if (labels.length === 1) return labels[0];
  if (labels.length === 2) return `${labels[0]}.${labels[1]}`;
  if (labels[2] === 'svc') return `${labels[0]}.${labels[1]}`;
  return undefined;
}
