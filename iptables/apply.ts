/**
 * Installing and removing the capture rules with the system's iptables binaries. Install is
 * atomic (one iptables-restore --noflush commit) after an exact cleanup of any earlier install,
 * so running it twice leaves one copy. Cleanup removes only Outrigger's jumps and chains.
 */
import { spawn } from 'node:child_process';
import { ALL_CHAINS, JUMPS, restoreScript, type CaptureRuleOptions } from './rules';

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
  /** e.g. "iptables" (or "iptables-legacy"). */
  readonly iptables: string;
  /** e.g. "iptables-restore". */
  readonly restore: string;
}

export function binariesFor(iptables: string): Binaries {
  return { iptables, restore: `${iptables}-restore` };
}

export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Removes Outrigger's jumps and chains; missing ones are fine. */
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
    if (r.code !== 0 && (await chainExists(exec, bin, chain))) return { ok: false, message: `could not delete chain ${chain}: ${r.stderr.trim()}` };
  }
  return { ok: true };
}

export async function chainExists(exec: Exec, bin: Binaries, chain: string): Promise<boolean> {
  const r = await exec([bin.iptables, '-w', '-t', 'nat', '-S', chain]);
  return r.code === 0;
}

/** Cleans up any earlier install, then installs the rules in one commit. */
export async function installRules(exec: Exec, bin: Binaries, o: CaptureRuleOptions): Promise<ApplyResult> {
  const clean = await cleanupRules(exec, bin);
  if (!clean.ok) return clean;
  const r = await exec([bin.restore, '-w', '--noflush'], restoreScript(o));
  if (r.code !== 0) {
    const why = r.code === 127 ? `${bin.restore} not found (install the iptables package)` : r.stderr.trim() || `exit code ${r.code}`;
    return { ok: false, message: `installing rules failed: ${why}` };
  }
  return { ok: true };
}
