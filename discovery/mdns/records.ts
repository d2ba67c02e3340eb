/**
 * The records a sidecar announces, shaped like a zeroconf registration so a daprd browsing for the
 * app id could read them: PTR service->instance, SRV instance->target:internalPort,
 * TXT instance->["<appId>", "namespace=<ns>"], A/AAAA target->address.
 * Unique records (SRV, TXT, A, AAAA) carry the cache-flush bit (RFC 6762 §10.2); PTR is shared.
 */
import type { Answer, Question } from 'dns-packet';
import { isIPv6 } from 'node:net';
import { nameKey, SERVICES_ENUMERATION, type OwnNames } from './names';

export interface Announcement {
  readonly names: OwnNames;
  readonly appId: string;
  readonly namespace: string;
  readonly port: number;
  /** Addresses for the target name (IPv4 and/or IPv6 literals). */
  readonly addresses: readonly string[];
}

export const NAMESPACE_TXT_PREFIX = 'namespace=';

function ptr(a: Announcement, ttl: number): Answer {
  return { name: a.names.service, type: 'PTR', class: 'IN', ttl, data: a.names.instance };
}
function srv(a: Announcement, ttl: number): Answer {
  return { name: a.names.instance, type: 'SRV', class: 'IN', ttl, flush: true, data: { priority: 0, weight: 0, port: a.port, target: a.names.target } };
}
function txt(a: Announcement, ttl: number): Answer {
  return { name: a.names.instance, type: 'TXT', class: 'IN', ttl, flush: true, data: [a.appId, `${NAMESPACE_TXT_PREFIX}${a.namespace}`] };
}
function addressRecords(a: Announcement, ttl: number): Answer[] {
  return a.addresses.map((ip): Answer =>
    isIPv6(ip)
      ? { name: a.names.target, type: 'AAAA', class: 'IN', ttl, flush: true, data: ip }
      : { name: a.names.target, type: 'A', class: 'IN', ttl, flush: true, data: ip },
  );
}

/** Everything at once: used for unsolicited announcements and goodbyes (ttl 0). */
export function allRecords(a: Announcement, ttl: number): Answer[] {
  return [ptr(a, ttl), srv(a, ttl), txt(a, ttl), ...addressRecords(a, ttl)];
}

function sameRecord(x: Answer, r: Answer): boolean {
  const data = (a: Answer): unknown => ('data' in a ? a.data : undefined);
  return x.type === r.type && nameKey(x.name) === nameKey(r.name) && JSON.stringify(data(x)) === JSON.stringify(data(r));
}

export interface Reply {
  readonly answers: Answer[];
  readonly additionals: Answer[];
}

/** Records answering the given questions, or undefined when none concern this registration. */
export function replyTo(questions: readonly Question[], a: Announcement, ttl: number): Reply | undefined {
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  const add = (list: Answer[], recs: Answer[]): void => {
    for (const r of recs) if (!list.some((x) => sameRecord(x, r))) list.push(r);
  };
  const addrs = addressRecords(a, ttl);
  for (const q of questions) {
    const name = nameKey(q.name);
    // dns-packet decodes QTYPE 255 as 'ANY', which its typings leave out.
    const t: string = q.type;
    if (name === nameKey(a.names.service) && (t === 'PTR' || t === 'ANY')) {
      add(answers, [ptr(a, ttl)]);
      add(additionals, [srv(a, ttl), txt(a, ttl), ...addrs]);
    } else if (name === nameKey(a.names.instance)) {
      if (t === 'SRV' || t === 'ANY') add(answers, [srv(a, ttl)]);
      if (t === 'TXT' || t === 'ANY') add(answers, [txt(a, ttl)]);
      add(additionals, addrs);
    } else if (name === nameKey(a.names.target)) {
      add(answers, addrs.filter((r) => t === 'ANY' || r.type === t));
    } else if (name === SERVICES_ENUMERATION && (t === 'PTR' || t === 'ANY')) {
      add(answers, [{ name: SERVICES_ENUMERATION, type: 'PTR', class: 'IN', ttl, data: a.names.service }]);
    }
  }
  if (answers.length === 0) return undefined;
  // An additional record already present as an answer is not repeated.
  return { answers, additionals: additionals.filter((r) => !answers.some((x) => sameRecord(x, r))) };
}
