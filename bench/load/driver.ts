/**
 * Runner side of the load generator: starts worker.js (pinned to the client CPU) once and runs
 * LoadSpecs on it one at a time, calling `onMeasuring` when the measured window opens.
 */
import { join } from 'node:path';
import { launch, type Launched } from '../proc/processes';
import type { CpuPlan } from '../proc/pinning';
import type { FromWorker, LoadResult, LoadSpec, ToWorker } from './types';

export class LoadDriver {
  private constructor(private readonly proc: Launched) {}

  static async start(plan: CpuPlan): Promise<LoadDriver> {
    const script = join(__dirname, 'worker.js');
    const proc = launch('load-generator', process.execPath, [script], plan, { cpu: plan.clientCpu, ipc: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker not ready in 10 s: ${proc.tail()}`)), 10_000);
      proc.child.once('message', (m: FromWorker) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve();
        else reject(new Error(`load worker said ${m.type} before ready`));
      });
      void proc.exited.then((why) => {
        clearTimeout(timer);
        reject(new Error(`load worker ended (${why}): ${proc.tail()}`));
      });
    });
    return new LoadDriver(proc);
  }

  get pid(): number {
    return this.proc.pid;
  }

  run(spec: LoadSpec, onMeasuring: () => void): Promise<LoadResult> {
    const budgetMs = spec.warmupMs + spec.durationMs + spec.timeoutMs + 15_000;
    return new Promise((resolve, reject) => {
      const child = this.proc.child;
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`load run exceeded ${budgetMs} ms`));
      }, budgetMs);
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'measuring') onMeasuring();
        else if (m.type === 'result') {
          cleanup();
          resolve(m.result);
        } else if (m.type === 'failed') {
          cleanup();
          reject(new Error(`load worker failed: ${m.message}`));
        }
      };
      child.on('message', onMessage);
      const msg: ToWorker = { type: 'run', spec };
      child.send(msg);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.child.connected) this.proc.child.send({ type: 'exit' } satisfies ToWorker);
    await this.proc.stop();
  }
}
