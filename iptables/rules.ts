/**
 * The nat rules of transparent (iptables) sidecar mode, as data, for IPv4 (iptables) and IPv6
 * (ip6tables). Everything Outrigger adds lives in its own chains, reached by exactly one jump from
 * PREROUTING and one from OUTPUT, so cleanup is exact: delete those two jumps, flush and delete the
 * chains, touch nothing else. Both families get the same chains and rules; only the loopback
 * address and the excluded ranges differ.
 *
 *   PREROUTING -p tcp -> OUTRIGGER_INBOUND:  RETURN for excluded ports (user's + the sidecar's own
 *                                             + both capture ports), else -> OUTRIGGER_IN_REDIRECT
 *   OUTRIGGER_IN_REDIRECT:                    REDIRECT to the inbound capture port
 *   OUTPUT -p tcp -> OUTRIGGER_OUTPUT:        RETURN for the proxy's own uid/gid (loop prevention),
 *                                             loopback, excluded ports and CIDRs, else -> OUTRIGGER_REDIRECT
 *   OUTRIGGER_REDIRECT:                       REDIRECT to the outbound capture port
 *
 * REDIRECT sends locally generated IPv4 to 127.0.0.1 and IPv6 to ::1, so the sidecar's outbound
 * capture listener accepts on both (proxy/capture/transparent.ts).
 */
import { isIPv4, isIPv6 } from 'node:net';

export const CHAINS = {
  inbound: 'OUTRIGGER_INBOUND',
  inboundRedirect: 'OUTRIGGER_IN_REDIRECT',
  output: 'OUTRIGGER_OUTPUT',
  redirect: 'OUTRIGGER_REDIRECT',
} as const;

export const ALL_CHAINS: readonly string[] = [CHAINS.inbound, CHAINS.inboundRedirect, CHAINS.output, CHAINS.redirect];

export type IpFamily = 4 | 6;

export interface CaptureRuleOptions {
  readonly inboundCapturePort: number;
  readonly outboundCapturePort: number;
  /** Uids whose traffic is never captured (the sidecar's own). At least one uid or gid is required. */
  readonly proxyUids: readonly number[];
  readonly proxyGids: readonly number[];
  /** Inbound destination ports left alone (e.g. 22). */
  readonly excludeInboundPorts: readonly number[];
  /** Outbound destination ports left alone (e.g. server-first protocols such as MySQL 3306). */
  readonly excludeOutboundPorts: readonly number[];
  /** Outbound destination addresses/CIDRs left alone, either family (each goes to its own table). */
  readonly excludeOutboundCidrs: readonly string[];
  /** The sidecar's own listening ports (Dapr HTTP/gRPC API, internal, metrics): never captured inbound. */
  readonly sidecarPorts: readonly number[];
  /** false: install only the outbound half. */
  readonly captureInbound: boolean;
  /** false: IPv4 only (no ip6tables rules). */
  readonly captureIpv6: boolean;
}

/** One rule: the table and the arguments after `iptables -t <table>`. */
export interface Rule {
  readonly table: 'nat';
  readonly args: readonly string[];
}

export type RuleIssue = { readonly field: string; readonly message: string };

const PORT_MIN = 1;
const PORT_MAX = 65535;

/** The family of an address or CIDR ("10.0.0.0/8", "fd00::/8", "::1"), or undefined if it is neither. */
export function cidrFamily(cidr: string): IpFamily | undefined {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const prefix = slash < 0 ? undefined : cidr.slice(slash + 1);
  const family: IpFamily | undefined = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : undefined;
  if (family === undefined) return undefined;
  if (prefix === undefined) return family;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return undefined;
  return family;
}

/** Checks options before anything is installed; returns every problem, not just the first. */
export function validateRuleOptions(o: CaptureRuleOptions): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const port = (field: string, p: number): void => {
    if (!Number.isInteger(p) || p < PORT_MIN || p > PORT_MAX) issues.push({ field, message: `${p} is not a port 1-65535` });
  };
  port('--inbound-capture-port', o.inboundCapturePort);
  port('--outbound-capture-port', o.outboundCapturePort);
  if (o.inboundCapturePort === o.outboundCapturePort) issues.push({ field: '--inbound-capture-port', message: 'must differ from --outbound-capture-port' });
  o.excludeInboundPorts.forEach((p) => port('--exclude-inbound-ports', p));
  o.excludeOutboundPorts.forEach((p) => port('--exclude-outbound-ports', p));
  o.sidecarPorts.forEach((p) => port('--sidecar-ports', p));
  if (o.proxyUids.length === 0 && o.proxyGids.length === 0) {
    issues.push({ field: '--proxy-uid', message: 'give --proxy-uid or --proxy-gid: without them the sidecar would capture its own traffic (a loop)' });
  }
  for (const id of [...o.proxyUids, ...o.proxyGids]) if (!Number.isInteger(id) || id < 0) issues.push({ field: '--proxy-uid', message: `${id} is not a uid/gid` });
  for (const c of o.excludeOutboundCidrs) {
    if (cidrFamily(c) === undefined) issues.push({ field: '--exclude-outbound-ip-ranges', message: `"${c}" is not an IPv4 or IPv6 address or CIDR` });
  }
  return issues;
}

const unique = (ports: readonly number[]): number[] => [...new Set(ports)].sort((a, b) => a - b);

/** The families rules are installed for. */
export function familiesFor(o: CaptureRuleOptions): IpFamily[] {
  return o.captureIpv6 ? [4, 6] : [4];
}

/** The rules to install for one family, in order (chains are created first, see restoreScript). */
export function captureRules(o: CaptureRuleOptions, family: IpFamily = 4): Rule[] {
  const r: string[][] = [];
  const tcp = ['-p', 'tcp'];
  r.push(['-A', CHAINS.redirect, ...tcp, '-j', 'REDIRECT', '--to-ports', String(o.outboundCapturePort)]);
  if (o.captureInbound) {
    r.push(['-A', CHAINS.inboundRedirect, ...tcp, '-j', 'REDIRECT', '--to-ports', String(o.inboundCapturePort)]);
    for (const p of unique([...o.excludeInboundPorts, ...o.sidecarPorts, o.inboundCapturePort, o.outboundCapturePort])) {
      r.push(['-A', CHAINS.inbound, ...tcp, '--dport', String(p), '-j', 'RETURN']);
    }
    r.push(['-A', CHAINS.inbound, ...tcp, '-j', CHAINS.inboundRedirect]);
    r.push(['-A', 'PREROUTING', ...tcp, '-j', CHAINS.inbound]);
  }
  for (const uid of unique(o.proxyUids)) r.push(['-A', CHAINS.output, '-m', 'owner', '--uid-owner', String(uid), '-j', 'RETURN']);
  for (const gid of unique(o.proxyGids)) r.push(['-A', CHAINS.output, '-m', 'owner', '--gid-owner', String(gid), '-j', 'RETURN']);
  // The app talking to itself or to its sidecar's API over loopback is never captured.
  r.push(['-A', CHAINS.output, '-o', 'lo', '-j', 'RETURN']);
  r.push(['-A', CHAINS.output, '-d', family === 4 ? '127.0.0.1/32' : '::1/128', '-j', 'RETURN']);
  for (const c of o.excludeOutboundCidrs) if (cidrFamily(c) === family) r.push(['-A', CHAINS.output, '-d', c, '-j', 'RETURN']);
  for (const p of unique(o.excludeOutboundPorts)) r.push(['-A', CHAINS.output, ...tcp, '--dport', String(p), '-j', 'RETURN']);
  r.push(['-A', CHAINS.output, ...tcp, '-j', CHAINS.redirect]);
  r.push(['-A', 'OUTPUT', ...tcp, '-j', CHAINS.output]);
  return r.map((args) => ({ table: 'nat', args }));
}

/** The chains the rules use (created before any rule). */
export function chainsFor(o: CaptureRuleOptions): string[] {
  return o.captureInbound ? [...ALL_CHAINS] : [CHAINS.output, CHAINS.redirect];
}

/** An `iptables-restore --noflush` (or ip6tables-restore) script installing one family atomically. */
export function restoreScript(o: CaptureRuleOptions, family: IpFamily = 4): string {
  const lines = ['*nat', ...chainsFor(o).map((c) => `:${c} - [0:0]`), ...captureRules(o, family).map((rule) => rule.args.join(' ')), 'COMMIT', ''];
  return lines.join('\n');
}

/** Human-readable commands for one family equivalent to restoreScript (what --dry-run prints). */
export function ruleCommands(o: CaptureRuleOptions, binary = 'iptables', family: IpFamily = 4): string[] {
  return [
    ...chainsFor(o).map((c) => `${binary} -t nat -N ${c}`),
    ...captureRules(o, family).map((rule) => `${binary} -t ${rule.table} ${rule.args.join(' ')}`),
  ];
}

/** The jumps from built-in chains into ours, as `-D` arguments (cleanup deletes each until gone). */
export const JUMPS: readonly (readonly string[])[] = [
  ['PREROUTING', '-p', 'tcp', '-j', CHAINS.inbound],
  ['OUTPUT', '-p', 'tcp', '-j', CHAINS.output],
];

/** The commands cleanup runs for one family (what `--cleanup --dry-run` prints). */
export function cleanupCommands(binary: string): string[] {
  return [
    ...JUMPS.map((j) => `${binary} -t nat -D ${j.join(' ')}`),
    ...ALL_CHAINS.map((c) => `${binary} -t nat -F ${c}`),
    ...ALL_CHAINS.map((c) => `${binary} -t nat -X ${c}`),
  ];
}
