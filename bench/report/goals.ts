/**
 * The goals, computed from one run's medians against that same run's baselines.
 * Added latency = target percentile minus the direct call's percentile.
 */
import type { StartupSummary, TargetSummary } from './summary';

export type GoalStatus = 'met' | 'not met' | 'n/a';

export interface Goal {
  readonly id: string;
  readonly text: string;
  readonly status: GoalStatus;
  /** Raw figures and the ratio. */
  readonly detail: string;
}

type Pct = 'p50' | 'p90' | 'p99';
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
/** Signed: "+0.910" / "-0.120". */
export const signed = (x: number | undefined, d = 3): string =>
  x !== undefined && Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(d)}` : 'n/a';
const r2 = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

function missing(name: string, t: TargetSummary | undefined, what: 'rate' | 'saturation'): string | undefined {
  if (!t) return `${name} not run`;
  if (t.result.unavailable) return `${name} unavailable: ${t.result.unavailable}`;
  if (!t[what]) return `${name} has no ${what} figures`;
  const s = t[what];
  if (s && s.sent > 0 && s.errors / s.sent > 0.01) return `${name} had ${s.errors}/${s.sent} errors`;
  return undefined;
}

function judge(ratio: number, limit: number, atMost: boolean): GoalStatus {
  if (!Number.isFinite(ratio)) return 'n/a';
  const eps = 1e-9; // 0.6/0.5 must count as 1.2
  return (atMost ? ratio <= limit + eps : ratio >= limit - eps) ? 'met' : 'not met';
}

/** The two-sidecar target compared with mTLS baselines: the mTLS one when it has figures. */
export function twoSidecarForGoals(t: Map<string, TargetSummary>, outriggerMtls: boolean): { name: string; caveat: string } {
  const m = t.get('outrigger-2sidecar-mtls');
  if (m?.rate && !m.result.unavailable) return { name: 'outrigger-2sidecar-mtls', caveat: '' };
  return { name: 'outrigger-2sidecar', caveat: outriggerMtls ? '' : ' (Outrigger without mTLS, baseline with mTLS)' };
}

/**
 * For a goal against nginx: the same ratio for the minimal Node relay (node:http + undici, no
 * features), i.e. what Node itself costs on this path before any of Outrigger's work.
 */
function nodeFloor(t: Map<string, TargetSummary>, baseName: string, ratioOf: (o: TargetSummary, b: TargetSummary) => number): string {
  const n = t.get(NODE_FLOOR);
  const b = t.get(baseName);
  if (!n?.rate || n.result.unavailable || !b?.rate || missing(NODE_FLOOR, n, 'rate')) return '';
  return `; the minimal Node relay alone (${NODE_FLOOR}): ${r2(ratioOf(n, b))}`;
}

const NODE_FLOOR = 'node-minimal-2hop-mtls';

function twoHopGoals(id: string, label: string, limit: number, t: Map<string, TargetSummary>, baseName: string, two: { name: string; caveat: string }): Goal[] {
  const out: Goal[] = [];
  const floor = baseName !== NODE_FLOOR;
  const caveat = two.caveat;
  const o = t.get(two.name);
  const b = t.get(baseName);
  const d = t.get('direct');
  const why = missing(two.name, o, 'rate') ?? missing(baseName, b, 'rate') ?? missing('direct', d, 'rate');
  for (const p of ['p50', 'p90', 'p99'] as Pct[]) {
    const text = `Outrigger two-sidecar added ${p} <= ${limit}x ${label}`;
    if (why || !o?.rate || !b?.rate || !d?.rate) {
      out.push({ id: `${id}-${p}`, text, status: 'n/a', detail: why ?? 'missing figures' });
      continue;
    }
    const added = (x: TargetSummary, y: TargetSummary): number => {
      const ab = (y.rate?.[p] ?? NaN) - d.rate![p];
      return ab > 0 ? ((x.rate?.[p] ?? NaN) - d.rate![p]) / ab : NaN;
    };
    const ao = o.rate[p] - d.rate[p];
    const ab = b.rate[p] - d.rate[p];
    const ratio = added(o, b);
    const detail = `${two.name} ${signed(ao)} ms vs ${baseName} ${signed(ab)} ms (direct ${f2(d.rate[p])} ms) = ${r2(ratio)}` +
      (ab > 0 ? '' : '; baseline added latency <= 0, ratio undefined') +
      (ao < 0 ? '; Outrigger added latency < 0: noise' : '') + caveat + (floor ? nodeFloor(t, baseName, added) : '');
    out.push({ id: `${id}-${p}`, text, status: judge(ratio, limit, true), detail });
  }
  const text = `Outrigger two-sidecar CPU <= ${limit}x ${label}`;
  if (why || !o?.rate || !b?.rate) out.push({ id: `${id}-cpu`, text, status: 'n/a', detail: why ?? 'missing figures' });
  else {
    const cpu = (x: TargetSummary, y: TargetSummary): number => (y.rate && y.rate.sutMcpu > 0 && x.rate ? x.rate.sutMcpu / y.rate.sutMcpu : NaN);
    const ratio = cpu(o, b);
    const detail = `${o.rate.sutMcpu.toFixed(0)} mCPU vs ${b.rate.sutMcpu.toFixed(0)} mCPU = ${r2(ratio)}${caveat}${floor ? nodeFloor(t, baseName, cpu) : ''}`;
    out.push({ id: `${id}-cpu`, text, status: judge(ratio, limit, true), detail });
  }
  return out;
}

function satGoal(id: string, text: string, t: Map<string, TargetSummary>, num: string, den: string, limit: number): Goal {
  const a = t.get(num);
  const b = t.get(den);
  const why = missing(num, a, 'saturation') ?? missing(den, b, 'saturation');
  if (why || !a?.saturation || !b?.saturation) return { id, text, status: 'n/a', detail: why ?? 'missing figures' };
  const ratio = b.saturation.rps > 0 ? a.saturation.rps / b.saturation.rps : NaN;
  return { id, text, status: judge(ratio, limit, false), detail: `${a.saturation.rps.toFixed(0)} rps vs ${b.saturation.rps.toFixed(0)} rps = ${r2(ratio)}` };
}

function startupGoal(id: string, text: string, s: Map<string, StartupSummary>, num: string, field: 'ms' | 'idleRssMb', limit: number): Goal {
  const a = s.get(num);
  const b = s.get('startup-bare-node');
  const why = !a ? `${num} not run` : a.unavailable ? `${num} unavailable: ${a.unavailable}` : !b ? 'bare node not run' : b.unavailable ? `bare node unavailable: ${b.unavailable}` : undefined;
  if (why || !a || !b) return { id, text, status: 'n/a', detail: why ?? 'missing' };
  const ratio = b[field] > 0 ? a[field] / b[field] : NaN;
  const unit = field === 'ms' ? 'ms' : 'MB';
  return { id, text, status: judge(ratio, limit, true), detail: `${a[field].toFixed(1)} ${unit} vs bare node ${b[field].toFixed(1)} ${unit} = ${r2(ratio)}` };
}

export function computeGoals(targets: Map<string, TargetSummary>, startup: Map<string, StartupSummary>, outriggerMtls: boolean): Goal[] {
  const two = twoSidecarForGoals(targets, outriggerMtls);
  return [
    ...twoHopGoals('G1', 'two minimal Node proxies with mTLS', 1.2, targets, 'node-minimal-2hop-mtls', two),
    ...twoHopGoals('G2', 'two nginx hops with mTLS', 2.5, targets, 'nginx-2hop-mtls', two),
    satGoal('G3', 'full-chain saturation >= 0.85x empty chain', targets, 'outrigger-1hop-full', 'outrigger-1hop', 0.85),
    satGoal('G4', 'one-hop saturation >= 1.0x @fastify/http-proxy', targets, 'outrigger-1hop', 'fastify-proxy', 1.0),
    startupGoal('G5', 'idle RSS <= 1.3x bare Node HTTP server', startup, 'startup-sidecar-0', 'idleRssMb', 1.3),
    startupGoal('G6-0', 'start-up with 0 components <= 2x bare node listen', startup, 'startup-sidecar-0', 'ms', 2),
    startupGoal('G6-5', 'start-up with 5 components <= 4x bare node listen', startup, 'startup-sidecar-5', 'ms', 4),
  ];
}
