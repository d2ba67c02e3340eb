/**
 * Installing and removing the capture rules with the system's iptables binaries (ip6tables for
 * IPv6). Each family is installed atomically (one iptables-restore --noflush commit) after an exact
 * cleanup of any earlier install, so running it twice leaves one copy; if the IPv6 half fails, the
 * IPv4 half is removed again, so a failed install leaves nothing behind. Cleanup removes only
 * Outrigger's jumps and chains, in both families.
 */
import { spawn } from 'node:child_process';
import { ALL_CHAINS, JUMPS, restoreScript, type CaptureRuleOptions, type IpFamily } from './rules';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (argv[0]) with optional stdin; never rejects (a spawn failure is code 127). */
export type Exec = (argv: readonly string[], stdin?: string) => Promise<ExecResult>;

export const systemExec: Exec = (argv, stdin) =>
  new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading; its exit code tells
      child.stdin.end(stdin);
    }
  });

export interface Binaries {
  /** e.g. "iptables" (or "iptables-legacy", "ip6tables"). */
  readonly iptables: string;
  /** e.g. "iptables-restore". */
  readonly restore: string;
}

export function binariesFor(iptables: string): Binaries {
  return { iptables, restore: `${iptables}-restore` };
}

/** The IPv6 twin of an IPv4 binary name: iptables -> ip6tables, iptables-legacy -> ip6tables-legacy. */
export function ip6BinaryFor(iptables: string): string {
  const slash = iptables.lastIndexOf('/');
  const dir = iptables.slice(0, slash + 1);
  const base = iptables.slice(slash + 1);
  return base.startsWith('iptables') ? `${dir}ip6${base.slice(2)}` : `${dir}ip6tables`;
}

/** The binaries of each family. */
export type FamilyBinaries = Readonly<Record<IpFamily, Binaries>>;

export const FAMILY_NAME: Readonly<Record<IpFamily, string>> = { 4: 'IPv4', 6: 'IPv6' };

export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Removes Outrigger's jumps and chains of one family; missing ones are fine. */
export async function cleanupRules(exec: Exec, bin: Binaries): Promise<ApplyResult> {
  for (const jump of JUMPS) {
    // A jump may have been added more than once by hand; delete until iptables says it is gone.
    for (let i = 0; i < 32; i++) {
      const r = await exec([bin.iptables, '-w', '-t', 'nat', '-D', ...jump]);
      if (r.code !== 0) break;
    }
  }
  for (const chain of ALL_CHAINS) await exec([bin.iptables, '-w', '-t', 'nat', '-F', chain]);
  for (const chain of ALL_CHAINS) {
    const r = await exec([bin.iptables, '-w', '-t', 'nat', '-X', chain]);
    if (r.code !== 0 && (await chainExists(exec, bin, chain))) return { ok: false, message: `${bin.iptables}: could not delete chain ${chain}: ${r.stderr.trim()}` };
  }
  return { ok: true };
}

export async function chainExists(exec: Exec, bin: Binaries, chain: string): Promise<boolean> {
  const r = await exec([bin.iptables, '-w', '-t', 'nat', '-S', chain]);
  return r.code === 0;
}

/** True when the binary can be run at all. */
export async function binaryPresent(exec: Exec, bin: Binaries): Promise<boolean> {
  return (await exec([bin.iptables, '--version'])).code !== 127;
}

/** What cleanup did per family: removed, or skipped because that family's binary is missing. */
export type CleanupReport = { readonly ok: true; readonly removed: IpFamily[]; readonly skipped: IpFamily[] } | { readonly ok: false; readonly message: string };

/** Cleans up both families (whatever an earlier install left); a missing ip6tables is only reported. */
export async function cleanupAll(exec: Exec, bins: FamilyBinaries): Promise<CleanupReport> {
  const removed: IpFamily[] = [];
  const skipped: IpFamily[] = [];
  for (const family of [4, 6] as const) {
    if (!(await binaryPresent(exec, bins[family]))) {
      if (family === 4) return { ok: false, message: `${bins[4].iptables} not found (install the iptables package)` };
      skipped.push(family);
      continue;
    }
    const r = await cleanupRules(exec, bins[family]);
    if (!r.ok) return r;
    removed.push(family);
  }
  return { ok: true, removed, skipped };
}

/** Cleans up any earlier install of one family, then installs its rules in one commit. */
export async function installRules(exec: Exec, bin: Binaries, o: CaptureRuleOptions, family: IpFamily = 4): Promise<ApplyResult> {
  const clean = await cleanupRules(exec, bin);
  if (!clean.ok) return clean;
  const r = await exec([bin.restore, '-w', '--noflush'], restoreScript(o, family));
  if (r.code !== 0) {
    const why = r.code === 127 ? `${bin.restore} not found (install the iptables package)` : r.stderr.trim() || `exit code ${r.code}`;
    return { ok: false, message: `installing ${FAMILY_NAME[family]} rules failed: ${why}` };
  }
  return { ok: true };
}

/** Installs every family in `families`; on a failure, removes what this call installed. */
export async function installAll(exec: Exec, bins: FamilyBinaries, o: CaptureRuleOptions, families: readonly IpFamily[]): Promise<ApplyResult> {
  const done: IpFamily[] = [];
  for (const family of families) {
    const r = await installRules(exec, bins[family], o, family);
    if (!r.ok) {
      for (const f of done) await cleanupRules(exec, bins[f]);
      const hint = family === 6 ? ' (use --capture-ipv6=false where IPv6 is not used)' : '';
      return { ok: false, message: r.message + hint };
    }
    done.push(family);
  }
  return { ok: true };
}
