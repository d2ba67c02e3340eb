/**
 * Closed-loop cases of the building-block scenarios (state, pub/sub publish): each case is one
 * LoadSpec run by the generator with the sidecar's and the generator's CPU sampled from /proc over
 * the measured window; cases are interleaved per repeat (the first one rotating). A failed run is
 * noted and the generator restarted, the others go on.
 */
import { LoadDriver } from '../load/driver';
import { TreeSampler } from '../proc/sampler';
import type { LoadSpec } from '../load/types';
import type { ClosedLoopSample } from '../report/types';
import type { LoadPhaseDeps } from './load-phase';

/** sidecarPid: sample the sidecar too (sidecar path); undefined for a direct path. */
export async function measureClosedLoop(deps: LoadPhaseDeps, spec: LoadSpec, sidecarPid: number | undefined): Promise<ClosedLoopSample> {
  const gen = new TreeSampler(deps.driver.pid);
  const car = sidecarPid !== undefined ? new TreeSampler(sidecarPid) : undefined;
  try {
    const load = await deps.driver.run(spec, () => {
      gen.start();
      car?.start();
    });
    const g = gen.stop();
    const c = car?.stop();
    return {
      rps: load.achievedRps, p50: load.latency.p50, p99: load.latency.p99, errors: load.errors, sent: load.sent,
      errorKinds: load.errorKinds, sidecarMcpu: c?.mcpu ?? 0, generatorMcpu: g.mcpu,
    };
  } finally {
    gen.stop();
    car?.stop();
  }
}

export interface ClosedLoopCase {
  readonly samples: ClosedLoopSample[];
}

export interface CasePlan<C extends ClosedLoopCase> {
  readonly repeats: number;
  readonly spec: (c: C) => LoadSpec;
  readonly label: (c: C) => string;
  /** The sidecar to sample for this case, undefined for a direct path. */
  readonly sidecarPid: (c: C) => number | undefined;
  /** How a sample reads in the log, e.g. "1234 ops/s". */
  readonly rate?: (c: C, s: ClosedLoopSample) => string;
}

/** Runs every live case once per repeat, interleaved; failures go to `notes`. */
export async function runInterleaved<C extends ClosedLoopCase>(deps: LoadPhaseDeps, live: readonly C[], plan: CasePlan<C>, notes: string[]): Promise<void> {
  for (let rep = 0; rep < plan.repeats; rep++) {
    for (let k = 0; k < live.length; k++) {
      const c = live[(k + rep) % live.length];
      const label = plan.label(c);
      try {
        const sample = await measureClosedLoop(deps, plan.spec(c), plan.sidecarPid(c));
        c.samples.push(sample);
        const rate = plan.rate?.(c, sample) ?? `${sample.rps.toFixed(0)} ops/s`;
        deps.log(`${label}: ${rate}, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ${sample.errors} errors`);
      } catch (e) {
        notes.push(`${label} run ${rep + 1} failed: ${(e as Error).message}`);
        deps.log(`${label}: FAILED ${(e as Error).message}`);
        await deps.driver.stop();
        deps.driver = await LoadDriver.start(deps.ctx.plan);
      }
    }
  }
}
