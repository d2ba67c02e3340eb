/**
 * Starts the selected load targets, probes each with one request, then measures them
 * interleaved: every repeat visits every available target once (fixed rate, then saturation),
 * the starting target rotating per repeat. SUT/app/generator processes are sampled from /proc
 * over exactly the generator's measured window.
 */
import { LoadDriver } from '../load/driver';
import { createRequester } from '../load/requester';
import { TreeSampler } from '../proc/sampler';
import { CpuBusy } from '../proc/cpu-busy';
import { outputReason, type Launched } from '../proc/processes';
import type { LoadSpec } from '../load/types';
import type { ProcUsage, Sample, TargetResult } from '../report/types';
import type { RunningTarget, TargetContext, TargetDef } from '../targets/types';
import type { BenchOptions } from './options';

const BODY_BYTES = 1024;

export interface LoadPhaseDeps {
  readonly ctx: TargetContext;
  readonly opts: BenchOptions;
  readonly app: Launched;
  readonly grpcApp: Launched;
  driver: LoadDriver;
  readonly log: (line: string) => void;
}

async function probe(r: RunningTarget, timeoutMs: number): Promise<string | undefined> {
  const req = createRequester(r.load, 1, timeoutMs, BODY_BYTES, 'grpc-js');
  try {
    let err: string | undefined;
    for (let i = 0; i < 3; i++) {
      err = await req.send();
      if (err === undefined) return undefined;
      await new Promise((res) => setTimeout(res, 300));
    }
    return err;
  } finally {
    await req.close();
  }
}

async function measure(deps: LoadPhaseDeps, spec: LoadSpec, sut: readonly Launched[], app: Launched): Promise<Sample> {
  const samplers = sut.map((p) => ({ name: p.name, s: new TreeSampler(p.pid) }));
  const appS = new TreeSampler(app.pid);
  const genS = new TreeSampler(deps.driver.pid);
  const all = [...samplers.map((x) => x.s), appS, genS];
  const busy = new CpuBusy(deps.ctx.plan.canPin ? deps.ctx.plan.sutCpu : -1);
  try {
    const load = await deps.driver.run(spec, () => {
      busy.begin();
      all.forEach((s) => s.start());
    });
    const sutCpuBusy = busy.end();
    const usage = (name: string, s: TreeSampler): ProcUsage => {
      const u = s.stop();
      return { name, mcpu: u.mcpu, rssMb: u.rssMb };
    };
    return { load, sut: samplers.map((x) => usage(x.name, x.s)), app: usage('app', appS), generator: usage('generator', genS), sutCpuBusy };
  } finally {
    all.forEach((s) => s.stop());
  }
}

function spec(deps: LoadPhaseDeps, r: RunningTarget, mode: 'rate' | 'saturation'): LoadSpec {
  const o = deps.opts;
  return {
    mode,
    target: r.load,
    rate: o.rate,
    connections: o.connections,
    warmupMs: mode === 'rate' ? o.warmupMs : o.saturationWarmupMs,
    durationMs: mode === 'rate' ? o.durationMs : o.saturationMs,
    timeoutMs: o.timeoutMs,
    expectBytes: BODY_BYTES,
  };
}

export async function runLoadPhase(defs: readonly TargetDef[], deps: LoadPhaseDeps): Promise<TargetResult[]> {
  const results: TargetResult[] = defs.map((d) => ({
    info: { name: d.name, title: d.title, protocol: d.protocol, hops: d.hops, security: d.security },
    notes: [],
    rate: [],
    saturation: [],
  }));
  deps.log(`starting ${defs.length} target(s)`);
  const started = await Promise.all(
    defs.map((d) => d.start(deps.ctx).catch((e: Error) => ({ ok: false as const, unavailable: `start failed: ${e.message}` }))),
  );
  const live: { idx: number; run: RunningTarget }[] = [];
  for (let i = 0; i < defs.length; i++) {
    const s = started[i];
    if (!s.ok) {
      results[i].unavailable = s.unavailable;
      deps.log(`  ${defs[i].name}: unavailable: ${s.unavailable}`);
      continue;
    }
    const err = await probe(s.running, deps.opts.timeoutMs);
    if (err !== undefined) {
      results[i].unavailable = `probe request failed: ${err}`;
      deps.log(`  ${defs[i].name}: unavailable: probe request failed: ${err}`);
      await Promise.all(s.running.sut.map((p) => p.stop()));
      continue;
    }
    live.push({ idx: i, run: s.running });
  }
  const modes: ('rate' | 'saturation')[] = deps.opts.saturation ? ['rate', 'saturation'] : ['rate'];
  const total = deps.opts.repeats * live.length * modes.length;
  let step = 0;
  for (let rep = 0; rep < deps.opts.repeats; rep++) {
    for (let k = 0; k < live.length; k++) {
      const { idx, run } = live[(k + rep) % live.length];
      const res = results[idx];
      for (const mode of modes) {
        step++;
        const app = run.load.protocol === 'grpc' ? deps.grpcApp : deps.app;
        try {
          const sample = await measure(deps, spec(deps, run, mode), run.sut, app);
          (mode === 'rate' ? res.rate : res.saturation).push(sample);
          const l = sample.load;
          deps.log(`[${step}/${total}] ${res.info.name} ${mode}: p50 ${l.latency.p50} ms, p99 ${l.latency.p99} ms, ${l.achievedRps.toFixed(0)} rps, ${l.errors} errors`);
        } catch (e) {
          res.notes.push(`${mode} run ${rep + 1} failed: ${(e as Error).message}`);
          deps.log(`[${step}/${total}] ${res.info.name} ${mode}: FAILED ${(e as Error).message}`);
          await deps.driver.stop();
          deps.driver = await LoadDriver.start(deps.ctx.plan);
        }
      }
    }
  }
  for (const { idx, run } of live) {
    await run.afterRuns?.().catch((e: Error) => run.notes.push(`after-run check failed: ${e.message}`));
    results[idx].notes.unshift(...run.notes);
    for (const p of run.sut) {
      const unexpected = p.child.exitCode !== null || p.child.signalCode !== null;
      if (unexpected) results[idx].notes.push(`${p.name} exited during the run: ${outputReason(p.tail())}`);
    }
    await Promise.all(run.sut.map((p) => p.stop()));
  }
  return results;
}
