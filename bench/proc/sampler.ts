/**
 * CPU and memory of a process and all its descendants, read from /proc.
 * CPU: utime+stime deltas (clock ticks) over a wall-clock window -> mCPU (1000 = one core busy).
 * Memory: VmRSS summed over the tree, sampled periodically; the peak of the window is reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* keep the Linux default */
}

interface StatLine {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces/parens: fields start after the last ')'.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3); ppid field 4 -> rest[1]; utime 14 -> rest[11]; stime 15 -> rest[12]
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

function readRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pid and every live descendant (found by walking ppid links over /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0 && out.length < 10_000) {
    const p = stack.pop() as number;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
}

export interface UsageSample {
  /** mCPU averaged over the window. */
  mcpu: number;
  /** Peak summed VmRSS over the window, MB. */
  rssMb: number;
  /** Number of processes in the tree at the end. */
  processes: number;
}

const TREE_REFRESH = 8;

/** Samples one process tree between start() and stop(). */
export class TreeSampler {
  private readonly startTicks = new Map<number, number>();
  private readonly lastTicks = new Map<number, number>();
  private startWall = 0n;
  private peakRssKb = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly root: number, private readonly intervalMs = 250) {}

  /** Pids of the tree; rescanned (a full /proc walk) only every TREE_REFRESH polls to stay cheap. */
  private pids: number[] = [];
  private polls = 0;

  start(): void {
    if (this.started) return;
    this.started = true;
    this.startWall = process.hrtime.bigint();
    this.pids = processTree(this.root);
    for (const pid of this.pids) {
      const st = readStat(pid);
      if (st) this.startTicks.set(pid, st.ticks);
    }
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
  }

  private poll(rescan = false): void {
    if (rescan || ++this.polls % TREE_REFRESH === 0) this.pids = processTree(this.root);
    let rss = 0;
    for (const pid of this.pids) {
      rss += readRssKb(pid);
      const st = readStat(pid);
      if (st) this.lastTicks.set(pid, st.ticks);
    }
    if (rss > this.peakRssKb) this.peakRssKb = rss;
  }

  /** Zeros if start() never ran (the measured window never opened). */
  stop(): UsageSample {
    if (!this.started) return { mcpu: 0, rssMb: 0, processes: 0 };
    if (this.timer) clearInterval(this.timer);
    this.poll(true);
    const wallSec = Number(process.hrtime.bigint() - this.startWall) / 1e9;
    let ticks = 0;
    for (const [pid, end] of this.lastTicks) ticks += end - (this.startTicks.get(pid) ?? 0);
    const mcpu = wallSec > 0 ? (ticks / clkTck / wallSec) * 1000 : 0;
    this.started = false;
    return { mcpu, rssMb: this.peakRssKb / 1024, processes: this.pids.length };
  }
}

/** Current summed VmRSS of a tree, MB. */
export function treeRssMb(root: number): number {
  return processTree(root).reduce((s, p) => s + readRssKb(p), 0) / 1024;
}
