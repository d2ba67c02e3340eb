/**
 * Shared set-up of the transparent-mode end-to-end tests: a sidecar with both capture listeners in
 * a lab pod (run with the proxy gid, so the rules leave its own traffic alone), then
 * `outrigger iptables` in that pod.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForLine, PROXY_GID, type Lab, type Pod } from './netns';

export const DIST = path.resolve(__dirname, '../..');
export const CLI = path.join(DIST, 'cli/main.js');
export const FIX = path.join(__dirname, 'fixtures');
export const INTERNAL = 50002;

/** A Configuration with full tracing sampling plus `extra` (indented spec fields). */
export function sidecarConfig(dir: string, name: string, extra: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: ${name}\nspec:\n  tracing:\n    samplingRate: "1"\n${extra}`);
  return file;
}

/** A static name resolution block: app id -> "host:port" of its sidecar's internal listener. */
export function staticApps(apps: Readonly<Record<string, string>>): string {
  const lines = Object.entries(apps).map(([id, addr]) => `        ${id}: ["${addr}"]\n`).join('');
  return `  nameResolution:\n    component: static\n    configuration:\n      apps:\n${lines}`;
}

/** accessControl that lets every caller in, except `caller` on `operation` (any verb). */
export function allowAllExcept(caller: string, operation: string): string {
  return `  accessControl:\n    defaultAction: allow\n    trustDomain: public\n    policies:\n      - appId: ${caller}\n        defaultAction: allow\n        namespace: default\n        operations:\n          - name: ${operation}\n            httpVerb: ["*"]\n            action: deny\n`;
}

/**
 * The mesh of the outbound tests: sidecar "orders" in pod B (app flags `ordersArgs`; `deniedToCheckout`
 * refused to checkout) and sidecar "checkout" in pod A (no app), each resolving the other statically.
 */
export async function startOrdersAndCheckout(lab: Lab, work: string, deniedToCheckout: string, ordersArgs: readonly string[]): Promise<PodSidecar> {
  const { a, b } = lab;
  await startSidecarPod(lab, work, b, 'orders', sidecarConfig(work, 'orders-config', allowAllExcept('checkout', deniedToCheckout) + staticApps({ checkout: `${a.ip}:${INTERNAL}` })), ordersArgs);
  return startSidecarPod(lab, work, a, 'checkout', sidecarConfig(work, 'checkout-config', staticApps({ orders: `${b.ip}:${INTERNAL}` })), []);
}

/** Runs fixture `script` with node in `pod`, expects exit 0 and returns its last stdout line as JSON. */
export function runFixture<T>(lab: Lab, pod: Pod, script: string, args: readonly string[], opts: { proxy?: boolean } = {}): T {
  const r = lab.run(pod, [process.execPath, path.join(FIX, script), ...args], opts);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as T;
}

/** Runs `outrigger iptables <args>` in a pod (as root). */
export function iptablesIn(lab: Lab, pod: Pod, args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const js = `require(${JSON.stringify(path.join(DIST, 'cli/iptables-command.js'))}).runIptables(${JSON.stringify(args)}).then((c) => process.exit(c))`;
  return lab.run(pod, [process.execPath, '-e', js]);
}

export const CAPTURE_ARGS = ['--proxy-gid', String(PROXY_GID), '--inbound-capture-port', '15006', '--outbound-capture-port', '15001', '--exclude-inbound-ports', '22'];

export interface PodSidecar {
  /** The sidecar's "transparent capture: ..." start-up line. */
  readonly captureLine: string;
}

/**
 * Starts sidecar `appId` in `pod` with mTLS (one data directory for all pods, so their identities
 * verify each other), capture on 15001/15006, then installs the rules with `iptablesArgs`.
 */
export async function startSidecarPod(lab: Lab, work: string, pod: Pod, appId: string, config: string, sidecarArgs: readonly string[], iptablesArgs: readonly string[] = CAPTURE_ARGS): Promise<PodSidecar> {
  const data = path.join(work, 'shared-data');
  // Metrics are off unless the caller turns them on (--enable-metrics=true in sidecarArgs).
  const metricsArgs = sidecarArgs.some((a) => a.startsWith('--enable-metrics')) ? [] : ['--enable-metrics=false'];
  const resources = path.join(work, appId, 'resources');
  mkdirSync(resources, { recursive: true });
  const sidecar = lab.start(pod, CLI, ['sidecar', '--app-id', appId, '--dapr-http-port', '3500', '--dapr-grpc-port', '50001', '--dapr-internal-grpc-port', String(INTERNAL), '--metrics-port', '9090', ...metricsArgs, '--config', config, '--resources-path', resources, '--data-dir', data, '--enable-mtls', '--outbound-capture-port', '15001', '--inbound-capture-port', '15006', ...sidecarArgs], { proxy: true });
  const captureLine = waitForLine(sidecar, /transparent capture:/, 20_000);
  captureLine.catch(() => undefined); // awaited below; a failed start is reported by the next wait
  await waitForLine(sidecar, /sidecar ready/, 20_000);
  const r = iptablesIn(lab, pod, iptablesArgs);
  assert.equal(r.code, 0, `iptables install failed: ${r.stderr}`);
  return { captureLine: await captureLine };
}

/** The sidecar's Prometheus text in a pod (--metrics-port 9090 with --enable-metrics=true). */
export function scrapeMetrics(lab: Lab, pod: Pod): string {
  const js = "fetch('http://127.0.0.1:9090/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(e.message); process.exit(1); })";
  const r = lab.run(pod, [process.execPath, '-e', js]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Sum of one metric's samples whose labels include every `labels` pair. */
export function metricSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return text.split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Packets counted by the nat rules of one chain (iptables -v -x), to prove a family was captured. */
export function natPackets(lab: Lab, pod: Pod, binary: 'iptables' | 'ip6tables', chain: string): number {
  const r = lab.run(pod, [binary, '-w', '-t', 'nat', '-L', chain, '-v', '-x', '-n']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').slice(2).filter((l) => l.trim()).reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
}
