/** Start-up and idle-RSS scenarios, interleaved round-robin and repeated. */
import { measureStartup, STARTUP_SCENARIOS, type StartupDef } from '../targets/startup';
import type { StartupResult } from '../report/types';
import type { TargetContext } from '../targets/types';
import type { BenchOptions } from './options';

export async function runStartupPhase(
  defs: readonly StartupDef[],
  ctx: TargetContext,
  opts: BenchOptions,
  log: (line: string) => void,
): Promise<StartupResult[]> {
  const results: StartupResult[] = defs.map((d) => ({ name: d.name, title: d.title, ms: [], idleRssMb: [] }));
  for (let rep = 0; rep < opts.startupRepeats; rep++) {
    for (const res of results) {
      if (res.unavailable) continue;
      const s = await measureStartup(ctx, res.name, opts.settleMs);
      if (!s.ok) {
        res.unavailable = s.reason;
        log(`${res.name}: unavailable: ${s.reason}`);
        continue;
      }
      res.ms.push(s.ms);
      res.idleRssMb.push(s.idleRssMb);
      log(`${res.name} #${rep + 1}: ready in ${s.ms.toFixed(1)} ms, idle RSS ${s.idleRssMb.toFixed(1)} MB`);
    }
  }
  return results;
}

export { STARTUP_SCENARIOS };
