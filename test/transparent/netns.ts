/**
 * Network-namespace scaffolding for the transparent-mode tests: two namespaces joined by a veth
 * pair, a hosts file per namespace (ip netns exec bind-mounts /etc/netns/<ns>/hosts), processes
 * started inside them, and a cleanup that removes everything even after a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

export const PROXY_GID = 1337;

export interface Pod {
  readonly ns: string;
  readonly ip: string;
  /** The pod's IPv6 address on the veth (createLab({ ipv6: true }) only). */
  readonly ip6?: string;
}

export interface Lab {
  readonly a: Pod;
  readonly b: Pod;
  /** Starts `node <script> ...args` in a namespace; `proxy` runs it with the proxy's gid. */
  start(pod: Pod, script: string, args: readonly string[], opts?: { proxy?: boolean; env?: NodeJS.ProcessEnv }): ChildProcess;
  /** Runs a command to completion in a namespace. */
  run(pod: Pod, argv: readonly string[], opts?: { proxy?: boolean }): { code: number; stdout: string; stderr: string };
  hosts(pod: Pod, lines: readonly string[]): void;
  cleanup(): void;
}

function sh(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? r.error.message : '') };
}

function must(argv: readonly string[]): void {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.trim()}`);
}

/** Why this machine cannot run the lab, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['ip', 'iptables', 'iptables-restore', 'ip6tables', 'ip6tables-restore', 'setpriv']) {
    if (sh(['sh', '-c', `command -v ${bin}`]).code !== 0) return `${bin} is not installed`;
  }
  return undefined;
}

export interface LabOptions {
  /** Also give each pod an IPv6 (ULA) address on the veth, without duplicate address detection. */
  readonly ipv6?: boolean;
}

/** A pod's IPv6 address; throws for a lab created without `ipv6`. */
export function ipv6Of(pod: Pod): string {
  if (!pod.ip6) throw new Error(`pod ${pod.ns} has no IPv6 address (createLab({ ipv6: true }))`);
  return pod.ip6;
}

export function createLab(opts: LabOptions = {}): Lab {
  const id = `${process.pid % 100000}`;
  const subnet = `10.77.${(process.pid % 250) + 1}`;
  const subnet6 = `fd77:${(process.pid % 0xffff).toString(16)}::`;
  const a: Pod = { ns: `orta${id}`, ip: `${subnet}.1`, ...(opts.ipv6 ? { ip6: `${subnet6}1` } : {}) };
  const b: Pod = { ns: `ortb${id}`, ip: `${subnet}.2`, ...(opts.ipv6 ? { ip6: `${subnet6}2` } : {}) };
  const children = new Set<ChildProcess>();
  const lab: Lab = {
    a, b,
    start(pod, script, args, opts = {}) {
      const argv = ['netns', 'exec', pod.ns, ...(opts.proxy ? ['setpriv', `--regid=${PROXY_GID}`, '--clear-groups'] : []), process.execPath, script, ...args];
      const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
      children.add(child);
      // Keep both pipes flowing so a chatty process never blocks on a full pipe.
      child.stdout?.on('data', () => undefined);
      child.stderr?.on('data', () => undefined);
      child.once('exit', () => children.delete(child));
      return child;
    },
    run(pod, argv, opts = {}) {
      return sh(['ip', 'netns', 'exec', pod.ns, ...(opts.proxy ? ['setpriv', `--regid=${PROXY_GID}`, '--clear-groups'] : []), ...argv]);
    },
    hosts(pod, lines) {
      mkdirSync(`/etc/netns/${pod.ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${pod.ns}/hosts`, ['127.0.0.1 localhost', ...lines, ''].join('\n'));
    },
    cleanup() {
      for (const c of children) c.kill('SIGKILL');
      for (const p of [a, b]) {
        sh(['ip', 'netns', 'del', p.ns]);
        rmSync(`/etc/netns/${p.ns}`, { recursive: true, force: true });
      }
      sh(['ip', 'link', 'del', `orva${id}`]);
    },
  };
  try {
    lab.cleanup(); // leftovers of an earlier crashed run with the same pid
    must(['ip', 'netns', 'add', a.ns]);
    must(['ip', 'netns', 'add', b.ns]);
    must(['ip', 'link', 'add', `orva${id}`, 'type', 'veth', 'peer', 'name', `orvb${id}`]);
    must(['ip', 'link', 'set', `orva${id}`, 'netns', a.ns]);
    must(['ip', 'link', 'set', `orvb${id}`, 'netns', b.ns]);
    for (const [p, dev] of [[a, `orva${id}`], [b, `orvb${id}`]] as const) {
      must(['ip', 'netns', 'exec', p.ns, 'ip', 'link', 'set', 'lo', 'up']);
      must(['ip', 'netns', 'exec', p.ns, 'ip', 'addr', 'add', `${p.ip}/24`, 'dev', dev]);
      // nodad: the address is usable at once (no duplicate address detection wait).
      if (p.ip6) must(['ip', 'netns', 'exec', p.ns, 'ip', '-6', 'addr', 'add', `${p.ip6}/64`, 'dev', dev, 'nodad']);
      must(['ip', 'netns', 'exec', p.ns, 'ip', 'link', 'set', dev, 'up']);
    }
  } catch (err) {
    lab.cleanup();
    throw err;
  }
  return lab;
}

/** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}; stderr: ${err.slice(-2000)}; stdout: ${buf.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => pattern.test(l));
      if (line) done(undefined, line);
    };
    const onErr = (d: Buffer): void => { err += d.toString(); };
    const onExit = (code: number | null): void => done(new Error(`process exited (${code}) before ${pattern}; stderr: ${err.slice(-2000)}; stdout: ${buf.slice(-2000)}`));
    const done = (e: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(line!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}
