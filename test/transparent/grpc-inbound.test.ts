/**
 * Captured inbound gRPC from outside the mesh, end to end in two network namespaces with real
 * iptables rules. Each pod runs an unmodified @grpc/grpc-js app on port 9000 and its sidecar with
 * inbound capture: "orders" in pod B (accessControl defaultAction allow) and "billing" in pod A
 * (defaultAction deny). An unmodified grpc-js client that is not part of the mesh (run with the
 * proxy gid, so its own pod's rules leave it alone, as in e2e.test.ts) calls the other pod's app
 * port; PREROUTING redirects the connection to that pod's inbound capture listener, which runs the
 * sidecar's inbound filters (tracing, metrics, access control with no caller identity) and relays
 * the streams to the app.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { status } from '@grpc/grpc-js';
import { waitForLine, type Lab, type Pod } from './netns';
import { labSuite } from './lab-suite';
import { allowAllExcept, FIX, INTERNAL, metricSum, natPackets, runFixture, scrapeMetrics, sidecarConfig, startSidecarPod, staticApps, type PodSidecar } from './sidecar-pods';

const GRPC_PORT = 9000;

const suite = labSuite('transparent inbound gRPC e2e', 'outrigger-transparent-grpc-in-');
const { skip } = suite;

let lab: Lab | undefined;
let orders: PodSidecar | undefined;
/** Methods the billing app served, in order (its "CALL <method>" lines). */
const billingCalls: string[] = [];
let billingApp: ChildProcess | undefined;

interface GrpcResult {
  ok: boolean;
  value?: { id?: string; servedBy?: string; admin?: boolean; metadata?: Record<string, string> };
  values?: { seq: number; servedBy: string; traceparent?: string }[];
  code?: number;
  details?: string;
}

/** Runs the grpc-js client fixture in `pod` outside the mesh (the proxy gid: not captured outbound). */
function outsideClient(pod: Pod, target: string, call: 'get' | 'watch' | 'admin', metadata: Record<string, string> = {}): GrpcResult {
  return runFixture(lab!, pod, 'grpc-client-app.js', [target, call, JSON.stringify(metadata)], { proxy: true });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

before(async () => {
  const opened = suite.open();
  if (!opened) return;
  const { work } = opened;
  lab = opened.lab;
  const { a, b } = lab;
  lab.hosts(a, [`${b.ip} orders`]);
  lab.hosts(b, [`${a.ip} billing`]);
  const ordersApp = lab.start(b, path.join(FIX, 'grpc-orders-app.js'), [String(GRPC_PORT), 'orders']);
  billingApp = lab.start(a, path.join(FIX, 'grpc-orders-app.js'), [String(GRPC_PORT), 'billing']);
  let pending = '';
  billingApp.stdout?.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('CALL ')) billingCalls.push(l.slice(5).trim());
  });
  await Promise.all([waitForLine(ordersApp, /GRPC APP READY/, 10_000), waitForLine(billingApp, /GRPC APP READY/, 10_000)]);
  // orders: outside callers get the global allow; the Admin denial is checkout's alone.
  const allow = allowAllExcept('checkout', '/orders.Orders/Admin');
  // billing: only checkout may call; everyone else gets the global deny.
  const deny = '  accessControl:\n    defaultAction: deny\n    trustDomain: public\n    policies:\n      - appId: checkout\n        defaultAction: allow\n        namespace: default\n        operations: []\n';
  const grpcApp = ['--app-port', String(GRPC_PORT), '--app-protocol', 'grpc'];
  [orders] = await Promise.all([
    startSidecarPod(lab, work, b, 'orders', sidecarConfig(work, 'orders-config', allow + staticApps({ billing: `${a.ip}:${INTERNAL}` })), [...grpcApp, '--enable-metrics=true']),
    startSidecarPod(lab, work, a, 'billing', sidecarConfig(work, 'billing-config', deny + staticApps({ orders: `${b.ip}:${INTERNAL}` })), grpcApp),
  ]);
});

test('the sidecar says it runs inbound h2c/gRPC through the inbound chain', { skip }, () => {
  assert.match(orders!.captureLine, /inbound on .*HTTP\/1\.1 and h2c\/gRPC to app port 9000 runs the inbound chain/);
});

test('unary gRPC from outside the mesh is captured inbound and reaches the app with a new trace context', { skip }, () => {
  const l = lab!;
  const before = natPackets(l, l.b, 'iptables', 'OUTRIGGER_IN_REDIRECT');
  const r = outsideClient(l.a, `orders:${GRPC_PORT}`, 'get');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.value?.servedBy, 'orders');
  const md = r.value?.metadata ?? {};
  assert.match(md.traceparent ?? '', TRACEPARENT, JSON.stringify(md));
  assert.equal(md['x-forwarded-for'], l.a.ip, 'the app learns who called');
  assert.equal(md['dapr-caller-app-id'], undefined, 'an outside caller has no app id');
  assert.ok(natPackets(l, l.b, 'iptables', 'OUTRIGGER_IN_REDIRECT') > before, 'the call was not captured inbound');
});

test('a traceparent sent by the outside client keeps its trace id to the app', { skip }, () => {
  const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const incoming = `00-${traceId}-1122334455667788-01`;
  const r = outsideClient(lab!.a, `orders:${GRPC_PORT}`, 'get', { traceparent: incoming });
  assert.equal(r.ok, true, JSON.stringify(r));
  const seen = TRACEPARENT.exec(r.value?.metadata?.traceparent ?? '');
  assert.ok(seen, JSON.stringify(r.value?.metadata));
  assert.equal(seen[1], traceId);
  assert.notEqual(seen[2], '1122334455667788', 'the sidecar\'s span is the new parent');
});

test('server streaming from outside the mesh: every message, with the trace context at the app', { skip }, () => {
  const r = outsideClient(lab!.a, `orders:${GRPC_PORT}`, 'watch');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.values?.map(({ seq, servedBy }) => ({ seq, servedBy })), [0, 1, 2].map((seq) => ({ seq, servedBy: 'orders' })));
  assert.match(r.values?.[0]?.traceparent ?? '', TRACEPARENT);
});

test('a claimed caller identity is neither believed nor passed on', { skip }, () => {
  const claims = { 'dapr-caller-app-id': 'checkout', 'dapr-caller-namespace': 'default' };
  const get = outsideClient(lab!.a, `orders:${GRPC_PORT}`, 'get', claims);
  assert.equal(get.ok, true, JSON.stringify(get));
  assert.equal(get.value?.metadata?.['dapr-caller-app-id'], undefined, JSON.stringify(get.value?.metadata));
  // Admin is denied to checkout; a caller merely claiming to be checkout gets the global allow.
  const admin = outsideClient(lab!.a, `orders:${GRPC_PORT}`, 'admin', claims);
  assert.equal(admin.ok, true, JSON.stringify(admin));
  assert.equal(admin.value?.servedBy, 'orders');
});

test('inbound metrics count the outside calls and the access-control decisions', { skip }, () => {
  const l = lab!;
  const before = scrapeMetrics(l, l.b);
  assert.equal(outsideClient(l.a, `orders:${GRPC_PORT}`, 'get').ok, true);
  const afterText = scrapeMetrics(l, l.b);
  const recv = (t: string): number => metricSum(t, 'dapr_runtime_service_invocation_req_recv_total', { src_app_id: '' });
  const allowed = (t: string): number => metricSum(t, 'dapr_runtime_acl_global_policy_action_allowed_total');
  assert.equal(recv(afterText), recv(before) + 1, afterText.split('\n').filter((x) => x.includes('req_recv')).join('\n'));
  assert.equal(allowed(afterText), allowed(before) + 1);
});

/** Calls billing's app over loopback inside its own pod (not captured) and waits for its CALL line. */
async function billingServesDirectly(): Promise<void> {
  const n = billingCalls.length;
  const r = runFixture<GrpcResult>(lab!, lab!.a, 'grpc-client-app.js', [`127.0.0.1:${GRPC_PORT}`, 'get', '{}']);
  assert.equal(r.ok, true, JSON.stringify(r));
  for (let i = 0; billingCalls.length === n; i++) {
    assert.ok(i < 500, 'the billing app did not report the direct call');
    await new Promise((res) => setTimeout(res, 10));
  }
}

test('denied by the global defaultAction: PERMISSION_DENIED with Dapr\'s message; the app is not called', { skip }, async () => {
  const l = lab!;
  await billingServesDirectly(); // the app reports what it serves
  const served = billingCalls.length;
  const denied = (r: GrpcResult, method: string): void => {
    assert.equal(r.ok, false, JSON.stringify(r));
    assert.equal(r.code, status.PERMISSION_DENIED, JSON.stringify(r));
    assert.equal(r.details, `access control policy has denied access to id: <unknown> operation: /orders.Orders/${method} verb: POST`);
  };
  denied(outsideClient(l.b, `billing:${GRPC_PORT}`, 'get'), 'Get');
  denied(outsideClient(l.b, `billing:${GRPC_PORT}`, 'watch'), 'Watch');
  // Claiming to be the one allowed caller changes nothing.
  denied(outsideClient(l.b, `billing:${GRPC_PORT}`, 'get', { 'dapr-caller-app-id': 'checkout', 'dapr-caller-namespace': 'default' }), 'Get');
  await billingServesDirectly(); // its line comes after any the denied calls would have printed
  assert.deepEqual(billingCalls.slice(served), ['Get'], 'a denied call reached the app');
});
