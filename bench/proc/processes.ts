/**
 * Every process the bench starts goes through `launch`: it runs in its own process group
 * (detached), optionally pinned to one CPU with taskset, and is registered so `stopAll` can end
 * the whole group (nginx workers, node children) on normal exit, error or SIGINT.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { CpuPlan } from './pinning';

export interface Launched {
  readonly name: string;
  readonly child: ChildProcess;
  /** Pid of the launched program (taskset execs it, so it is the same pid). */
  readonly pid: number;
  /** Last ~8 KB of stderr+stdout, for "unavailable: ..." reasons. */
  tail(): string;
  /** Resolves with the exit code/signal once the process has exited. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Logical CPU to pin to (ignored when pinning is not possible). */
  cpu?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Add an IPC channel (node children only). */
  ipc?: boolean;
}

const running = new Set<Launched>();

/**
 * A short reason from a process's output: the error line(s) above the first stack frame if
 * there is a stack trace, else the last lines.
 */
export function outputReason(output: string, maxLines = 4): string {
  const lines = output.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  const picked = firstFrame > 0 ? lines.slice(Math.max(0, firstFrame - 2), firstFrame) : lines.slice(-maxLines);
  return picked.map((l) => l.trim()).join(' | ').slice(0, 400);
}
const TAIL_BYTES = 8192;

export function launch(name: string, cmd: string, args: readonly string[], plan: CpuPlan, opts: LaunchOptions = {}): Launched {
  const pinned = plan.canPin && opts.cpu !== undefined;
  const file = pinned ? plan.tasksetPath : cmd;
  const argv = pinned ? ['-c', String(opts.cpu), cmd, ...args] : [...args];
  const stdio: StdioOptions = opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(file, argv, { detached: true, stdio, env: opts.env ?? process.env, cwd: opts.cwd });
  let buf = '';
  const keep = (d: Buffer): void => {
    buf = (buf + d.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (err) => resolve(`spawn error: ${err.message}`));
  });
  const launched: Launched = {
    name,
    child,
    pid: child.pid ?? -1,
    tail: () => buf.trim(),
    exited,
    stop: () => stopOne(launched),
  };
  running.add(launched);
  void exited.then(() => running.delete(launched));
  return launched;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

async function stopOne(p: Launched): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    killGroup(p.pid, 'SIGKILL'); // leftover children of an exited leader
    running.delete(p);
    return;
  }
  killGroup(p.pid, 'SIGTERM');
  const timer = new Promise<string>((r) => setTimeout(() => r('timeout'), 3000).unref());
  if ((await Promise.race([p.exited, timer])) === 'timeout') killGroup(p.pid, 'SIGKILL');
  killGroup(p.pid, 'SIGKILL');
  await Promise.race([p.exited, new Promise((r) => setTimeout(r, 1000).unref())]);
  running.delete(p);
}

/** Stops every process group still registered. Safe to call more than once. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stopOne(p)));
}

/** Synchronous last resort for process 'exit': SIGKILL every group still registered. */
export function killAllSync(): void {
  for (const p of running) killGroup(p.pid, 'SIGKILL');
  running.clear();
}

let installed = false;
/** SIGINT/SIGTERM/uncaught errors stop every started group before the runner exits. */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping ${running.size} process group(s)\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}
