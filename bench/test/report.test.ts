import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGoals } from '../report/goals';
import { median, type StartupSummary, type TargetSummary } from '../report/summary';
import { render } from '../report/markdown';
import { parseDuration, parseOptions } from '../runner/options';
import { loadSummary as load, targetSummaryFor } from './fixtures';
import type { RunReport, TargetResult } from '../report/types';

const target = targetSummaryFor(1);

test('median of odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('goals use added latency against the same run\'s direct call', () => {
  const t = new Map<string, TargetSummary>([
    ['direct', target('direct', load(0.2, 0.3, 0.5, 0))],
    ['outrigger-2sidecar', target('outrigger-2sidecar', load(0.75, 1.0, 2.5, 200))],
    ['node-minimal-2hop-mtls', target('node-minimal-2hop-mtls', load(0.7, 1.1, 1.5, 250))],
    ['nginx-2hop-mtls', target('nginx-2hop-mtls', load(0.4, 0.5, 0.5, 60))],
    ['outrigger-1hop', target('outrigger-1hop', undefined, load(1, 1, 1, 0, 5000))],
    ['outrigger-1hop-full', target('outrigger-1hop-full', undefined, load(1, 1, 1, 0, 4000))],
  ]);
  const s = new Map<string, StartupSummary>([
    ['startup-bare-node', { name: 'startup-bare-node', title: '', ms: 100, idleRssMb: 40, runs: 1 }],
    ['startup-sidecar-0', { name: 'startup-sidecar-0', title: '', ms: 150, idleRssMb: 60, runs: 1 }],
  ]);
  const g = new Map(computeGoals(t, s, false).map((x) => [x.id, x]));
  assert.equal(g.get('G1-p50')?.status, 'met'); // 0.55 / 0.5
  assert.equal(g.get('G1-p90')?.status, 'met'); // 0.7 / 0.8
  assert.equal(g.get('G1-p99')?.status, 'not met'); // 2.0 / 1.0
  assert.equal(g.get('G1-cpu')?.status, 'met'); // 200 / 250
  assert.equal(g.get('G2-p99')?.status, 'n/a'); // baseline added 0: ratio undefined
  assert.match(g.get('G1-p50')?.detail ?? '', /without mTLS/);
  // Against nginx, the minimal Node relay's own ratio is shown beside Outrigger's: (0.7-0.2)/(0.4-0.2) = 2.5x, 250/60 = 4.17x.
  assert.match(g.get('G2-p50')?.detail ?? '', /minimal Node relay alone \(node-minimal-2hop-mtls\): 2\.50x/);
  assert.match(g.get('G2-cpu')?.detail ?? '', /minimal Node relay alone \(node-minimal-2hop-mtls\): 4\.17x/);
  assert.doesNotMatch(g.get('G1-p50')?.detail ?? '', /minimal Node relay alone/);
  assert.equal(g.get('G3')?.status, 'not met'); // 0.8 < 0.85
  assert.equal(g.get('G4')?.status, 'n/a'); // fastify not run
  assert.equal(g.get('G5')?.status, 'not met'); // 1.5x
  assert.equal(g.get('G6-0')?.status, 'met');
  assert.match(g.get('G6-5')?.detail ?? '', /not run/);
});

test('unavailable targets are reported, not crashed on', () => {
  const unavailable: TargetResult = {
    info: { name: 'nginx', title: 'nginx', protocol: 'http', hops: 1, security: '' },
    notes: [], rate: [], saturation: [], unavailable: 'nginx not installed',
  };
  const report: RunReport = {
    date: 'd', machine: { cpuModel: 'cpu', cores: 2, node: 'v20', kernel: 'k', memoryGb: 1, loadAverage: 0 }, pinning: 'p',
    settings: { smoke: true, rate: 1, connections: 1, durationMs: 1, warmupMs: 1, saturationMs: 1, repeats: 1, startupRepeats: 1, bodyBytes: 1024 },
    targets: [unavailable], startup: [], elapsedSeconds: 1, instrumentErrors: [],
  };
  const md = render(report, false).markdown;
  assert.match(md, /SMOKE/);
  assert.match(md, /\| nginx \| 1 \| unavailable .*nginx not installed/);
  assert.match(md, /\+0\.91 ms/);
});

test('options: durations, smoke defaults, overrides and errors', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2'), 2000);
  assert.throws(() => parseDuration('soon'));
  const smoke = parseOptions(['--smoke']);
  assert.ok(smoke !== 'list' && smoke.smoke && smoke.repeats === 1 && smoke.durationMs < 1000);
  const o = parseOptions(['--targets', 'direct,nginx', '--rate=2000', '--duration', '5s', '--repeats', '2']);
  assert.ok(o !== 'list');
  assert.deepEqual(o.targets, ['direct', 'nginx']);
  assert.equal(o.rate, 2000);
  assert.equal(o.durationMs, 5000);
  assert.equal(o.repeats, 2);
  assert.equal(o.connections, 16);
  assert.throws(() => parseOptions(['--bogus', '1']), /unknown option/);
  assert.throws(() => parseOptions(['--repeats', '0']), /positive integer/);
});
