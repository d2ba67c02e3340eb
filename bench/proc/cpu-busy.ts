/**
 * How busy one logical CPU was over a window, from /proc/stat (all processes, not only ours).
 * Compared with the SUT's own mCPU it shows other work sharing the SUT's CPU during a sample.
 */
import { readFileSync } from 'node:fs';

interface CpuTicks {
  busy: number;
  total: number;
}

function read(cpu: number): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) return undefined;
    // user nice system idle iowait irq softirq steal ...
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

export class CpuBusy {
  private start: CpuTicks | undefined;
  constructor(private readonly cpu: number) {}

  begin(): void {
    this.start = this.cpu >= 0 ? read(this.cpu) : undefined;
  }

  /** mCPU busy over the window (1000 = fully busy), NaN when unknown. */
  end(): number {
    const end = this.cpu >= 0 ? read(this.cpu) : undefined;
    if (!this.start || !end || end.total <= this.start.total) return NaN;
    return ((end.busy - this.start.busy) / (end.total - this.start.total)) * 1000;
  }
}
