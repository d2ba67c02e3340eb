/** The machine facts printed at the top of the results. */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Machine } from './types';

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    kernel: release(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}
