/**
 * The nat rules of transparent (iptables) sidecar mode, as data. Everything Outrigger adds lives in
 * its own chains, reached by exactly one jump from PREROUTING and one from OUTPUT, so cleanup is
 * exact: delete those two jumps, flush and delete the chains, touch nothing else.
 *
 *   PREROUTING -p tcp -> OUTRIGGER_INBOUND:  RETURN for excluded ports (user's + the sidecar's own
 *                                             + both capture ports), else -> OUTRIGGER_IN_REDIRECT
 *   OUTRIGGER_IN_REDIRECT:                    REDIRECT to the inbound capture port
 *   OUTPUT -p tcp -> OUTRIGGER_OUTPUT:        RETURN for the proxy's own uid/gid (loop prevention),
 *                                             loopback, excluded ports and CIDRs, else -> OUTRIGGER_REDIRECT
 *   OUTRIGGER_REDIRECT:                       REDIRECT to the outbound capture port
 */

export const CHAINS = {
  inbound: 'OUTRIGGER_INBOUND',
  inboundRedirect: 'OUTRIGGER_IN_REDIRECT',
  output: 'OUTRIGGER_OUTPUT',
  redirect: 'OUTRIGGER_REDIRECT',
} as const;

export const ALL_CHAINS: readonly string[] = [CHAINS.inbound, CHAINS.inboundRedirect, CHAINS.output, CHAINS.redirect];

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
  /** Outbound destination CIDRs left alone. */
  readonly excludeOutboundCidrs: readonly string[];
  /** The sidecar's own listening ports (Dapr HTTP/gRPC API, internal, metrics): never captured inbound. */
  readonly sidecarPorts: readonly number[];
  /** false: install only the outbound half. */
  readonly captureInbound: boolean;
}

/** One rule: the table and the arguments after `iptables -t <table>`. */
export interface Rule {
  readonly table: 'nat';
  readonly args: readonly string[];
}

export type RuleIssue = { readonly field: string; readonly message: string };

const PORT_MIN = 1;
const PORT_MAX = 65535;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d|[12]\d|3[0-2]))?$/;

/** Checks options before anything is installed; returns every problem, not just the first. */
export function validateRuleOptions(o: CaptureRuleOptions): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const port = (field: string, p: number, allowZero = false): void => {
    if (!Number.isInteger(p) || p < (allowZero ? 0 : PORT_MIN) || p > PORT_MAX) issues.push({ field, message: `${p} is not a port 1-65535` });
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
    const m = CIDR.exec(c);
    if (!m || [m[1], m[2], m[3], m[4]].some((b) => Number(b) > 255)) issues.push({ field: '--exclude-outbound-ip-ranges', message: `"${c}" is not an IPv4 address or CIDR` });
  }
  return issues;
}

const unique = (ports: readonly number[]): number[] => [...new Set(ports)].sort((a, b) => a - b);

/** The rules to install, in order (chains are created first, see restoreScript). */
export function captureRules(o: CaptureRuleOptions): Rule[] {
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
  r.push(['-A', CHAINS.output, '-d', '127.0.0.1/32', '-j', 'RETURN']);
  for (const c of o.excludeOutboundCidrs) r.push(['-A', CHAINS.output, '-d', c, '-j', 'RETURN']);
  for (const p of unique(o.excludeOutboundPorts)) r.push(['-A', CHAINS.output, ...tcp, '--dport', String(p), '-j', 'RETURN']);
  r.push(['-A', CHAINS.output, ...tcp, '-j', CHAINS.redirect]);
  r.push(['-A', 'OUTPUT', ...tcp, '-j', CHAINS.output]);
  return r.map((args) => ({ table: 'nat', args }));
}

/** The chains the rules use (created before any rule). */
export function chainsFor(o: CaptureRuleOptions): string[] {
  return o.captureInbound ? [...ALL_CHAINS] : [CHAINS.output, CHAINS.redirect];
}

/** An `iptables-restore --noflush` script installing everything atomically (one commit). */
export function restoreScript(o: CaptureRuleOptions): string {
  const lines = ['*nat', ...chainsFor(o).map((c) => `:${c} - [0:0]`), ...captureRules(o).map((rule) => rule.args.join(' ')), 'COMMIT', ''];
  return lines.join('\n');
}

/** Human-readable commands equivalent to restoreScript (what --dry-run prints). */
export function ruleCommands(o: CaptureRuleOptions, binary = 'iptables'): string[] {
  return [
    ...chainsFor(o).map((c) => `${binary} -t nat -N ${c}`),
    ...captureRules(o).map((rule) => `${binary} -t ${rule.table} ${rule.args.join(' ')}`),
  ];
}

/** The jumps from built-in chains into ours, as `-D` arguments (cleanup deletes each until gone). */
export const JUMPS: readonly (readonly string[])[] = [
  ['PREROUTING', '-p', 'tcp', '-j', CHAINS.inbound],
  ['OUTPUT', '-p', 'tcp', '-j', CHAINS.output],
];
