/**
 * Decides whether load generator + app and the system under test can sit on separate CPUs.
 * Pinning needs taskset (util-linux) and at least two CPUs in this process's affinity mask.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuPlan {
  readonly canPin: boolean;
  readonly tasksetPath: string;
  /** CPU for the load generator and the app. */
  readonly clientCpu: number;
  /** CPU for the system under test (proxies, sidecars). */
  readonly sutCpu: number;
  /** Human-readable explanation for the report. */
  readonly note: string;
}

function allowedCpus(): number[] {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(status);
    if (!m) return [];
    const out: number[] = [];
    for (const part of m[1].split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let c = a; c <= (b ?? a); c++) out.push(c);
    }
    return out;
  } catch {
    return [];
  }
}

function findTaskset(): string | undefined {
  for (const p of ['/usr/bin/taskset', '/bin/taskset']) {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return p;
    } catch {
      /* try next */
    }
  }
  return undefined;
}

export function planCpus(disable: boolean): CpuPlan {
  const cpus = allowedCpus();
  const taskset = findTaskset();
  if (disable) return { canPin: false, tasksetPath: '', clientCpu: -1, sutCpu: -1, note: 'pinning disabled by --no-pin' };
  if (!taskset) return { canPin: false, tasksetPath: '', clientCpu: -1, sutCpu: -1, note: 'not pinned: taskset (util-linux) not found' };
  if (cpus.length < 2) {
    return { canPin: false, tasksetPath: taskset, clientCpu: -1, sutCpu: -1, note: `not pinned: only ${cpus.length} CPU(s) allowed` };
  }
  const [clientCpu, sutCpu] = cpus;
  return {
    canPin: true,
    tasksetPath: taskset,
    clientCpu,
    sutCpu,
    note: `pinned with taskset: load generator + app on CPU ${clientCpu}, system under test on CPU ${sutCpu}` +
      (cpus.length > 2 ? ` (${cpus.length - 2} other CPU(s) unused)` : ''),
  };
}

/** Moves the runner itself (all its threads) next to the load generator, off the SUT CPU. */
export function pinSelf(plan: CpuPlan): void {
  if (!plan.canPin) return;
  try {
    execFileSync(plan.tasksetPath, ['-a', '-p', '-c', String(plan.clientCpu), String(process.pid)], { stdio: 'ignore' });
  } catch {
    /* not fatal: the runner is mostly idle during measurement */
  }
}
