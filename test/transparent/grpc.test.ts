/**
 * Transparent sidecar mode for gRPC (HTTP/2 with prior knowledge), end to end in two network
 * namespaces with real iptables rules: an unmodified @grpc/grpc-js client in pod A calls
 * `orders:9000`; pod A's capture sees the HTTP/2 preface, routes each stream by :authority through
 * sidecar A's gRPC proxy path (as if the app had sent dapr-app-id metadata) and the mTLS channel
 * to sidecar B, whose inbound chain (tracing, access control) hands it to the unmodified gRPC
 * orders app.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { waitForLine, type Lab } from './netns';
import { labSuite } from './lab-suite';
import { FIX, natPackets, runFixture, startOrdersAndCheckout } from './sidecar-pods';

const GRPC_PORT = 9000;

const suite = labSuite('transparent gRPC e2e', 'outrigger-transparent-grpc-');
const { skip } = suite;

let lab: Lab | undefined;

interface GrpcResult { ok: boolean; value?: { id?: string; servedBy?: string; metadata?: Record<string, string> }; values?: { seq: number; servedBy: string }[]; code?: number; details?: string }

const grpcClient = (target: string, call: 'get' | 'watch' | 'admin'): GrpcResult => runFixture(lab!, lab!.a, 'grpc-client-app.js', [target, call]);

before(async () => {
  const opened = suite.open();
  if (!opened) return;
  lab = opened.lab;
  const { a, b } = lab;
  lab.hosts(a, [`${b.ip} orders`]);
  const app = lab.start(b, path.join(FIX, 'grpc-orders-app.js'), [String(GRPC_PORT)]);
  await waitForLine(app, /GRPC APP READY/, 10_000);
  await startOrdersAndCheckout(lab, opened.work, '/orders.Orders/Admin', ['--app-port', String(GRPC_PORT), '--app-protocol', 'grpc']);
});

test('gRPC unary: a grpc-js client calling orders:9000 reaches orders through both sidecars', { skip }, () => {
  const l = lab!;
  const before = natPackets(l, l.a, 'iptables', 'OUTRIGGER_REDIRECT');
  const r = grpcClient(`orders:${GRPC_PORT}`, 'get');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.value?.id, 'o-1');
  assert.equal(r.value?.servedBy, 'orders');
  const md = r.value?.metadata ?? {};
  // Invoked through the mesh: sidecar A named itself as the caller, sidecar B delivered it.
  assert.equal(md['dapr-caller-app-id'], 'checkout', JSON.stringify(md));
  assert.equal(md['dapr-app-id'], undefined, 'the routing metadata must not reach the app');
  assert.ok(natPackets(l, l.a, 'iptables', 'OUTRIGGER_REDIRECT') > before, 'the call was not captured');
  console.log(JSON.stringify(md));
});

test('gRPC: a trace context reaches orders', { skip }, () => {
  const md = grpcClient(`orders:${GRPC_PORT}`, 'get').value?.metadata ?? {};
  assert.match(md.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, JSON.stringify(md));
});

test('gRPC server streaming through both sidecars', { skip }, () => {
  const r = grpcClient(`orders:${GRPC_PORT}`, 'watch');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.values?.map(({ seq, servedBy }) => ({ seq, servedBy })), [0, 1, 2].map((seq) => ({ seq, servedBy: 'orders' })));
});

test('gRPC: access control of orders denies a denied operation to the captured caller', { skip }, () => {
  const r = grpcClient(`orders:${GRPC_PORT}`, 'admin');
  assert.equal(r.ok, false, JSON.stringify(r));
  assert.equal(r.code, status.PERMISSION_DENIED, JSON.stringify(r));
});

test('gRPC to an IP literal is not a mesh name: it goes to its original destination', { skip }, () => {
  const r = grpcClient(`${lab!.b.ip}:${GRPC_PORT}`, 'get');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.value?.servedBy, 'orders');
  assert.equal(r.value?.metadata?.['dapr-caller-app-id'], undefined, JSON.stringify(r.value?.metadata));
});
