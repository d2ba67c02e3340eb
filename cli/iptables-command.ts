/**
 * `outrigger iptables`: installs (or prints, or removes) the nat rules of transparent sidecar mode,
 * as an init step run as root before the app and the sidecar start. See iptables/rules.ts.
 */
import { EXIT_FAILURE, EXIT_OK, printHelp, usageError, type Command } from './command';
import { formatSettingsHelp, parseSettings, settingsFor } from './flags';
import { boolType, intType, listType, portType, stringType, type ValueType } from './value-types';
import { ruleCommands, validateRuleOptions, type CaptureRuleOptions } from '../iptables/rules';
import { binariesFor, cleanupRules, installRules, systemExec, type Exec } from '../iptables/apply';

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
  dryRun: boolean;
  cleanup: boolean;
  iptables: string;
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
  s.one('excludeOutboundIpRanges', { flag: 'exclude-outbound-ip-ranges', type: { ...listType('<cidr,...>'), parse: (raw) => (raw.trim() === '' ? [] : listType().parse(raw)) }, default: [], description: 'outbound destination IPv4 addresses/CIDRs not captured' }),
  s.one('sidecarPorts', { flag: 'sidecar-ports', type: ports, default: [3500, 50001, 50002, 9090], description: 'the sidecar\'s own listening ports (API, internal, metrics): never captured inbound' }),
  s.one('captureInbound', { flag: 'capture-inbound', type: boolType, default: true, description: 'also capture inbound TCP (false: outbound only)' }),
  s.one('dryRun', { flag: 'dry-run', type: boolType, default: false, description: 'print the iptables commands instead of running them' }),
  s.one('cleanup', { flag: 'cleanup', type: boolType, default: false, description: 'remove Outrigger\'s rules and chains (exactly those) and exit' }),
  s.one('iptables', { flag: 'iptables', type: stringType, default: 'iptables', description: 'iptables binary (iptables, iptables-legacy, iptables-nft); <binary>-restore must exist too' }),
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
  };
}

const USAGE = [
  'Usage: outrigger iptables --proxy-uid <uid> [flags]',
  '',
  'Installs the nat rules of transparent sidecar mode (run as root in the app\'s network namespace,',
  'before the app starts): the app\'s outbound TCP goes to the sidecar\'s outbound capture port,',
  'inbound TCP to its inbound capture port. The sidecar\'s own traffic (by uid/gid), loopback and the',
  'excluded ports are left alone. Rules live in the chains OUTRIGGER_INBOUND, OUTRIGGER_IN_REDIRECT,',
  'OUTRIGGER_OUTPUT and OUTRIGGER_REDIRECT; --cleanup removes exactly those.',
  '',
].join('\n');

/** Runs the command with an injectable exec (tests) and output sink. */
export async function runIptables(argv: readonly string[], exec: Exec = systemExec, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const parsed = parseSettings(argv, IPTABLES_SETTINGS, process.env, { stopAtPositional: false });
  if (parsed.kind === 'help' || parsed.kind === 'version') return printHelp(iptablesCommand.help());
  if (parsed.kind === 'error') return usageError('iptables', parsed.message);
  const flags = parsed.values as IptablesFlags;
  const bin = binariesFor(flags.iptables);
  if (flags.cleanup) {
    if (flags.dryRun) {
      out(`# cleanup: delete the jumps from PREROUTING/OUTPUT, then flush and delete the OUTRIGGER_* chains`);
      return EXIT_OK;
    }
    const r = await cleanupRules(exec, bin);
    if (!r.ok) { process.stderr.write(`outrigger iptables: ${r.message}\n`); return EXIT_FAILURE; }
    out('outrigger iptables: rules removed');
    return EXIT_OK;
  }
  const opts = ruleOptionsFrom(flags);
  const issues = validateRuleOptions(opts);
  if (issues.length) return usageError('iptables', issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  if (flags.dryRun) {
    for (const line of ruleCommands(opts, flags.iptables)) out(line);
    return EXIT_OK;
  }
  const r = await installRules(exec, bin, opts);
  if (!r.ok) { process.stderr.write(`outrigger iptables: ${r.message}\n`); return EXIT_FAILURE; }
  out(`outrigger iptables: outbound TCP -> :${opts.outboundCapturePort}${opts.captureInbound ? `, inbound TCP -> :${opts.inboundCapturePort}` : ''}`);
  return EXIT_OK;
}

export const iptablesCommand: Command = {
  name: 'iptables',
  summary: 'install (or --dry-run print, or --cleanup remove) the transparent-capture iptables rules',
  help: () => USAGE + formatSettingsHelp(IPTABLES_SETTINGS),
  run: (argv) => runIptables(argv),
};
