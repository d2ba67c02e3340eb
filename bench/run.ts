/**
 * Benchmark runner. `node dist/bench/run.js` (full run, minutes, writes bench/RESULTS.md) or
 * `--smoke` (every scenario very briefly, writes bench/out/smoke.md). Exit code 0 unless the
 * instrument itself broke (2 for bad options); timings are never asserted.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LoadDriver } from './load/driver';
import { LOOPBACK, freePorts, pollUntil, tcpAccepts } from './proc/net';
import { pinSelf, planCpus } from './proc/pinning';
import { installCleanupHandlers, launch, stopAll, type Launched } from './proc/processes';
import { describeMachine } from './report/machine';
import { render } from './report/markdown';
import type { HandshakeResult, PubsubResult, RunReport, StartupResult, StateResult, TargetResult } from './report/types';
import { HANDSHAKE_SCENARIO, runHandshakePhase } from './runner/handshake-phase';
import { runLoadPhase } from './runner/load-phase';
import { runStatePhase, STATE_SCENARIO } from './runner/state-phase';
import { PUBSUB_SCENARIO, runPubsubPhase } from './runner/pubsub-phase';
import { parseOptions, USAGE, type BenchOptions } from './runner/options';
import { printSummary } from './runner/print-summary';
import { runStartupPhase, STARTUP_SCENARIOS } from './runner/startup-phase';
import { generateCerts, type CertSet } from './targets/certs';
import { LOAD_TARGETS } from './targets/index';
import type { TargetContext } from './targets/types';

const REPO_BENCH = join(__dirname, '..', '..', 'bench');
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

async function startApp(name: string, script: string, port: number, ctx: { plan: ReturnType<typeof planCpus> }, timeoutMs: number): Promise<Launched> {
  const p = launch(name, process.execPath, [join(__dirname, 'servers', script), String(port)], ctx.plan, { cpu: ctx.plan.clientCpu });
  const r = await pollUntil(() => tcpAccepts(port), timeoutMs, 20, p.exited);
  if (!r.ok) throw new Error(`${name} did not start on ${LOOPBACK}:${port}: ${r.reason}; ${p.tail()}`);
  return p;
}

/** Scenarios that are neither load targets nor start-up ones; selectable by name with --targets. */
const OTHER_SCENARIOS = [HANDSHAKE_SCENARIO, STATE_SCENARIO, PUBSUB_SCENARIO];
const wanted = (name: string, names: readonly string[] | undefined): boolean => !names || names.includes(name);

function selected<T extends { name: string }>(all: readonly T[], names: readonly string[] | undefined): T[] {
  return names ? all.filter((t) => names.includes(t.name)) : [...all];
}

async function run(opts: BenchOptions): Promise<number> {
  const t0 = Date.now();
  const machine = describeMachine();
  const plan = planCpus(opts.noPin);
  log(plan.note);
  pinSelf(plan);
  const known = [...LOAD_TARGETS.map((t) => t.name), ...STARTUP_SCENARIOS.map((s) => s.name), ...OTHER_SCENARIOS.map((s) => s.name)];
  const unknown = (opts.targets ?? []).filter((n) => !known.includes(n));
  if (unknown.length) {
    log(`unknown target(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const tmpDir = await mkdtemp(join(tmpdir(), 'outrigger-bench-'));
  // Also on SIGINT, where the finally below does not run.
  process.once('exit', () => rmSync(tmpDir, { recursive: true, force: true }));
  const instrumentErrors: string[] = [];
  let targets: TargetResult[] = [];
  let startup: StartupResult[] = [];
  let handshake: HandshakeResult | undefined;
  let state: StateResult | undefined;
  let pubsub: PubsubResult | undefined;
  let driver: LoadDriver | undefined;
  try {
    const [appPort, grpcAppPort] = await freePorts(2);
    const app = await startApp('app', 'http-app.js', appPort, { plan }, 10_000);
    const grpcApp = await startApp('grpc-app', 'grpc-app.js', grpcAppPort, { plan }, 10_000);
    let certs: Promise<CertSet> | undefined;
    const ctx: TargetContext = {
      plan,
      appPort,
      grpcAppPort,
      tmpDir,
      certs: () => (certs ??= generateCerts(tmpDir)),
      connections: opts.connections,
      readyTimeoutMs: opts.readyTimeoutMs,
      outriggerMtls: opts.outriggerMtls,
      smoke: opts.smoke,
      nameResolution: opts.nameResolution,
    };
    driver = await LoadDriver.start(plan);
    const deps = { ctx, opts, app, grpcApp, driver, log };
    targets = await runLoadPhase(selected(LOAD_TARGETS, opts.targets), deps);
    if (wanted(HANDSHAKE_SCENARIO.name, opts.targets)) handshake = await runHandshakePhase(ctx, opts, log);
    if (wanted(STATE_SCENARIO.name, opts.targets)) state = await runStatePhase(deps);
    if (wanted(PUBSUB_SCENARIO.name, opts.targets)) pubsub = await runPubsubPhase(deps);
    driver = deps.driver;
    startup = await runStartupPhase(selected(STARTUP_SCENARIOS, opts.targets), ctx, opts, log);
  } catch (e) {
    instrumentErrors.push((e as Error).stack ?? String(e));
    log(`instrument error: ${(e as Error).message}`);
  } finally {
    await driver?.stop().catch(() => undefined);
    await stopAll();
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
  }
  const report: RunReport = {
    date: new Date().toISOString(),
    machine,
    pinning: plan.note,
    settings: {
      smoke: opts.smoke,
      rate: opts.rate,
      connections: opts.connections,
      durationMs: opts.durationMs,
      warmupMs: opts.warmupMs,
      saturationMs: opts.saturation ? opts.saturationMs : 0,
      repeats: opts.repeats,
      startupRepeats: opts.startupRepeats,
      bodyBytes: 1024,
    },
    targets,
    startup,
    ...(handshake ? { handshake } : {}),
    ...(state ? { state } : {}),
    ...(pubsub ? { pubsub } : {}),
    elapsedSeconds: (Date.now() - t0) / 1000,
    instrumentErrors,
  };
  const rendered = render(report, opts.outriggerMtls);
  const out = opts.out ?? (opts.smoke ? join(REPO_BENCH, 'out', 'smoke.md') : join(REPO_BENCH, 'RESULTS.md'));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, rendered.markdown);
  printSummary(rendered, report);
  log(`wrote ${out}`);
  return instrumentErrors.length ? 1 : 0;
}

async function main(): Promise<void> {
  let opts: BenchOptions | 'list';
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit((e as Error).message === USAGE ? 0 : 2);
  }
  if (opts === 'list') {
    for (const t of LOAD_TARGETS) process.stdout.write(`${t.name}\t${t.title}\n`);
    for (const s of STARTUP_SCENARIOS) process.stdout.write(`${s.name}\t${s.title}\n`);
    for (const s of OTHER_SCENARIOS) process.stdout.write(`${s.name}\t${s.title}\n`);
    return;
  }
  installCleanupHandlers();
  process.exitCode = await run(opts);
}

void main();
