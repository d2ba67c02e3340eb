/**
 * `outrigger iptables`: installs (or prints, or removes) the nat rules of transparent sidecar mode,
 * as an init step run as root before the app and the sidecar start. See iptables/rules.ts.
 */
import { EXIT_FAILURE, EXIT_OK, printHelp, usageError, type Command } from './command';
import { formatSettingsHelp, parseSettings, settingsFor } from './flags';
import { boolType, intType, listType, portType, stringType, type ValueType } from './value-types';
import { cleanupCommands, familiesFor, ruleCommands, validateRuleOptions, type CaptureRuleOptions } from '../iptables/rules';
import { binariesFor, cleanupAll, FAMILY_NAME, installAll, ip6BinaryFor, systemExec, type Exec, type FamilyBinaries } from '../iptables/apply';

export interface IptablesFlags {
  inboundCapturePort: number;
  outboundCapturePort: number;
  proxyUid: number[];
  proxyGid: number[];
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundIpRanges: string[];
  sidecarPorts: number[];
  captureInbound: boolean;
  captureIpv6: boolean;
  dryRun: boolean;
  cleanup: boolean;
  iptables: string;
  ip6tables: string;
}

function numberListType(min: number, max: number, what: string): ValueType<number[]> {
  const one = intType(min, max);
  const list = listType(`<${what},...>`);
  return {
    placeholder: list.placeholder,
    expected: `a comma-separated list of ${one.expected.replace(/^an? /, '')}s`,
    parse: (raw) => {
      if (raw.trim() === '') return [];
      const items = list.parse(raw);
      if (!items) return undefined;
      const out: number[] = [];
      for (const i of items) {
        const n = one.parse(i);
        if (n === undefined) return undefined;
        out.push(n);
      }
      return out;
    },
    format: (v) => v.join(','),
  };
}

const s = settingsFor<IptablesFlags>();
const ports = numberListType(1, 65535, 'port');
const ids = numberListType(0, 2 ** 31 - 1, 'id');

export const IPTABLES_SETTINGS = [
  s.one('inboundCapturePort', { flag: 'inbound-capture-port', type: portType, default: 15006, description: 'port of the sidecar\'s inbound capture listener (redirect target of inbound TCP)' }),
  s.one('outboundCapturePort', { flag: 'outbound-capture-port', type: portType, default: 15001, description: 'port of the sidecar\'s outbound capture listener (redirect target of the app\'s outbound TCP)' }),
  s.one('proxyUid', { flag: 'proxy-uid', env: ['OUTRIGGER_PROXY_UID'], type: ids, default: [], description: 'uid(s) the sidecar runs as; their traffic is never captured' }),
  s.one('proxyGid', { flag: 'proxy-gid', env: ['OUTRIGGER_PROXY_GID'], type: ids, default: [], description: 'gid(s) the sidecar runs as; their traffic is never captured' }),
  s.one('excludeInboundPorts', { flag: 'exclude-inbound-ports', type: ports, default: [], description: 'inbound destination ports not captured (e.g. 22)' }),
  s.one('excludeOutboundPorts', { flag: 'exclude-outbound-ports', type: ports, default: [], description: 'outbound destination ports not captured (server-first protocols such as 3306 belong here)' }),
  s.one('excludeOutboundIpRanges', { flag: 'exclude-outbound-ip-ranges', type: { ...listType('<cidr,...>'), parse: (raw) => (raw.trim() === '' ? [] : listType().parse(raw)) }, default: [], description: 'outbound destination addresses/CIDRs not captured, IPv4 or IPv6 (each goes to its own family\'s rules)' }),
  s.one('sidecarPorts', { flag: 'sidecar-ports', type: ports, default: [3500, 50001, 50002, 9090], description: 'the sidecar\'s own listening ports (API, internal, metrics): never captured inbound' }),
  s.one('captureInbound', { flag: 'capture-inbound', type: boolType, default: true, description: 'also capture inbound TCP (false: outbound only)' }),
  s.one('captureIpv6', { flag: 'capture-ipv6', type: boolType, default: true, description: 'also install the rules for IPv6 with ip6tables (false: IPv4 only)' }),
  s.one('dryRun', { flag: 'dry-run', type: boolType, default: false, description: 'print the iptables commands instead of running them' }),
  s.one('cleanup', { flag: 'cleanup', type: boolType, default: false, description: 'remove Outrigger\'s rules and chains (exactly those) and exit' }),
  s.one('iptables', { flag: 'iptables', type: stringType, default: 'iptables', description: 'iptables binary (iptables, iptables-legacy, iptables-nft); <binary>-restore must exist too' }),
  s.one('ip6tables', { flag: 'ip6tables', type: stringType, default: '', description: 'ip6tables binary for the IPv6 rules; empty: the IPv6 twin of --iptables (iptables-legacy -> ip6tables-legacy)' }),
];

export function ruleOptionsFrom(f: IptablesFlags): CaptureRuleOptions {
  return {
    inboundCapturePort: f.inboundCapturePort,
    outboundCapturePort: f.outboundCapturePort,
    proxyUids: f.proxyUid,
    proxyGids: f.proxyGid,
    excludeInboundPorts: f.excludeInboundPorts,
    excludeOutboundPorts: f.excludeOutboundPorts,
    excludeOutboundCidrs: f.excludeOutboundIpRanges,
    sidecarPorts: f.sidecarPorts,
    captureInbound: f.captureInbound,
    captureIpv6: f.captureIpv6,
  };
}

export function familyBinariesFrom(f: IptablesFlags): FamilyBinaries {
  return { 4: binariesFor(f.iptables), 6: binariesFor(f.ip6tables || ip6BinaryFor(f.iptables)) };
}

const USAGE = [
  'Usage: outrigger iptables (--proxy-uid <uid> | --proxy-gid <gid>) [flags]',
  '',
  'Installs the nat rules of transparent sidecar mode (run as root in the app\'s network namespace,',
  'before the app starts): the app\'s outbound TCP goes to the sidecar\'s outbound capture port,',
  'inbound TCP to its inbound capture port. The sidecar\'s own traffic (by uid/gid), loopback and the',
  'excluded ports and ranges are left alone. IPv4 rules go in with iptables and the same rules for',
  'IPv6 with ip6tables (--capture-ipv6=false: IPv4 only). Rules live in the chains OUTRIGGER_INBOUND,',
  'OUTRIGGER_IN_REDIRECT, OUTRIGGER_OUTPUT and OUTRIGGER_REDIRECT of the nat table; --cleanup removes',
  'exactly those, in both families. --dry-run prints the commands instead of running them.',
  '',
].join('\n');

/** Runs the command with an injectable exec (tests) and output sink. */
export async function runIptables(argv: readonly string[], exec: Exec = systemExec, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const parsed = parseSettings(argv, IPTABLES_SETTINGS, process.env, { stopAtPositional: false });
  if (parsed.kind === 'help' || parsed.kind === 'version') return printHelp(iptablesCommand.help());
  if (parsed.kind === 'error') return usageError('iptables', parsed.message);
  const flags = parsed.values as IptablesFlags;
  const bins = familyBinariesFrom(flags);
  if (flags.cleanup) {
    if (flags.dryRun) {
      for (const family of [4, 6] as const) for (const line of cleanupCommands(bins[family].iptables)) out(line);
      return EXIT_OK;
    }
    const r = await cleanupAll(exec, bins);
    if (!r.ok) { process.stderr.write(`outrigger iptables: ${r.message}\n`); return EXIT_FAILURE; }
    const skipped = r.skipped.map((f) => `; ${FAMILY_NAME[f]} skipped (${bins[f].iptables} not found)`).join('');
    out(`outrigger iptables: rules removed (${r.removed.map((f) => FAMILY_NAME[f]).join(', ')})${skipped}`);
    return EXIT_OK;
  }
  const opts = ruleOptionsFrom(flags);
  const issues = validateRuleOptions(opts);
  if (issues.length) return usageError('iptables', issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  const families = familiesFor(opts);
  if (flags.dryRun) {
    for (const family of families) for (const line of ruleCommands(opts, bins[family].iptables, family)) out(line);
    return EXIT_OK;
  }
  const r = await installAll(exec, bins, opts, families);
  if (!r.ok) { process.stderr.write(`outrigger iptables: ${r.message}\n`); return EXIT_FAILURE; }
  out(`outrigger iptables: ${describeCapture(opts)}`);
  return EXIT_OK;
}

/** One line saying what is captured and what is left alone. */
export function describeCapture(o: CaptureRuleOptions): string {
  const fam = familiesFor(o).map((f) => FAMILY_NAME[f]).join(' and ');
  const excluded = [
    ...o.proxyUids.map((u) => `uid ${u}`),
    ...o.proxyGids.map((g) => `gid ${g}`),
    ...(o.excludeOutboundPorts.length ? [`outbound ports ${o.excludeOutboundPorts.join(',')}`] : []),
    ...(o.excludeOutboundCidrs.length ? [`outbound ranges ${o.excludeOutboundCidrs.join(',')}`] : []),
    ...(o.captureInbound ? [`inbound ports ${[...new Set([...o.excludeInboundPorts, ...o.sidecarPorts])].join(',')}`] : []),
  ];
  return `${fam}: outbound TCP -> :${o.outboundCapturePort}${o.captureInbound ? `, inbound TCP -> :${o.inboundCapturePort}` : ' (inbound not captured)'}; not captured: loopback, ${excluded.join(', ')}`;
}

export const iptablesCommand: Command = {
  name: 'iptables',
  summary: 'install (or --dry-run print, or --cleanup remove) the transparent-capture iptables rules',
  help: () => USAGE + formatSettingsHelp(IPTABLES_SETTINGS),
  run: (argv) => runIptables(argv),
};
