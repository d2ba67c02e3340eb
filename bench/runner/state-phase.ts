/**
 * State building block: save (POST /v1.0/state/<store>, one 1 KB item) and get
 * (GET /v1.0/state/<store>/<key>) through a sidecar, against the same operations done with the
 * store's own Node client in the generator (load/store-direct.ts), for state.sqlite (embedded)
 * and state.redis. Closed loop, `connections` concurrent, fixed duration; cases interleaved per
 * repeat. Redis missing -> its cases are reported unavailable (the run does not fail).
 */
import { cleanupRedis, directSpec, prepareKeys, redisUnavailable, sidecarSpec, startStateSidecar, VALUE_BYTES, type StateOp, type StoreKind } from '../targets/state-stores';
import type { StateResult } from '../report/types';
import { runInterleaved } from './closed-loop-cases';
import type { LoadPhaseDeps } from './load-phase';

export const STATE_SCENARIO = { name: 'state', title: 'state save/get through the sidecar vs the store\'s own Node client (sqlite, redis)' } as const;

const STORES: readonly StoreKind[] = ['sqlite', 'redis'];
const OPS: readonly StateOp[] = ['save', 'get'];

export async function runStatePhase(deps: LoadPhaseDeps): Promise<StateResult> {
  const o = deps.opts;
  const result: StateResult = { notes: [], cases: [], unavailableStores: {}, concurrency: o.connections, durationMs: o.saturationMs, valueBytes: VALUE_BYTES };
  for (const store of STORES) for (const op of OPS) for (const path of ['sidecar', 'direct'] as const) result.cases.push({ store, op, path, samples: [] });
  const markStore = (store: StoreKind, why: string): void => {
    result.unavailableStores[store] = why;
    for (const c of result.cases) if (c.store === store) c.unavailable ??= why;
  };
  const redisWhy = await redisUnavailable(Math.min(o.timeoutMs, 2000));
  if (redisWhy) {
    markStore('redis', redisWhy);
    deps.log(`${STATE_SCENARIO.name}: redis unavailable: ${redisWhy}`);
  }
  const stores = STORES.filter((s) => !result.unavailableStores[s]);
  const started = await startStateSidecar(deps.ctx, stores).catch((e: Error) => ({ ok: false as const, reason: e.message }));
  if (!started.ok) {
    for (const s of stores) markStore(s, `sidecar: ${started.reason}`);
    deps.log(`${STATE_SCENARIO.name}: unavailable: ${started.reason}`);
    return result;
  }
  const s = started.setup;
  try {
    for (const store of stores) {
      const prep = await prepareKeys(s, store, o.timeoutMs);
      for (const c of result.cases) {
        if (c.store !== store) continue;
        const why = c.path === 'sidecar' ? prep.sidecar : prep.direct;
        if (why) c.unavailable = why;
      }
    }
    const live = result.cases.filter((c) => !c.unavailable);
    await runInterleaved(deps, live, {
      repeats: o.repeats,
      spec: (c) => ({
        mode: 'saturation',
        target: c.path === 'sidecar' ? sidecarSpec(s, c.store, c.op) : directSpec(s, c.store, c.op),
        rate: 0,
        connections: o.connections,
        warmupMs: o.saturationWarmupMs,
        durationMs: o.saturationMs,
        timeoutMs: o.timeoutMs,
        expectBytes: c.op === 'get' ? VALUE_BYTES : 0,
      }),
      label: (c) => `${STATE_SCENARIO.name} ${c.store} ${c.op} ${c.path}`,
      sidecarPid: (c) => (c.path === 'sidecar' ? s.sidecar.pid : undefined),
    }, result.notes);
    result.notes.push(`sidecar: ${stores.map((x) => `state.${x}`).join(' + ')} components, sidecar on the SUT CPU, generator on the client CPU; direct: the store's client inside the generator process`);
    result.notes.push('direct sqlite: better-sqlite3 is synchronous, so the concurrent loops run one operation at a time and its latency is mostly the call\'s own time, not the queueing of 16 concurrent requests: compare ops/s first; the sidecar serialises its sqlite calls the same way');
    result.notes.push('direct save does the driver\'s work (sqlite: IMMEDIATE transaction, read + upsert with a new UUID etag; redis: the driver\'s Lua MULTI script), direct get the driver\'s read (sqlite SELECT with expiry check; redis GET script)');
    if (s.sidecar.child.exitCode !== null || s.sidecar.child.signalCode !== null) result.notes.push(`the state sidecar exited during the run: ${s.sidecar.tail().slice(-300)}`);
  } finally {
    if (stores.includes('redis')) await cleanupRedis(s, o.timeoutMs);
    await s.sidecar.stop();
  }
  return result;
}
