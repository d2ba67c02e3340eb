/**
 * Transparent sidecar mode end to end, in two network namespaces with real iptables rules:
 * pod A runs an unmodified client, sidecar "checkout" and its capture listeners; pod B runs the
 * unmodified "orders" app, its sidecar and capture listeners. Sidecars and capture run with the
 * proxy gid (excluded from capture by owner match); the apps run as plain root.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { waitForLine, type Lab } from './netns';
import { labSuite } from './lab-suite';
import { CAPTURE_ARGS, FIX, iptablesIn, natPackets, runFixture, startOrdersAndCheckout, type PodSidecar } from './sidecar-pods';

const APP_PORT = 3000;
const TCP_PORT = 7000;

const suite = labSuite('transparent e2e', 'outrigger-transparent-');
const { skip } = suite;

let lab: Lab | undefined;
let podA: PodSidecar | undefined;

const client = (args: readonly string[], proxy = false): Record<string, unknown> => runFixture(lab!, lab!.a, 'client-app.js', args, { proxy });

before(async () => {
  const opened = suite.open();
  if (!opened) return;
  lab = opened.lab;
  const { a, b } = lab;
  lab.hosts(a, [`${b.ip} orders orders.default.svc.cluster.local`]);
  const app = lab.start(b, path.join(FIX, 'orders-app.js'), [String(APP_PORT), String(TCP_PORT)]);
  await waitForLine(app, /APP READY/, 10_000);
  podA = await startOrdersAndCheckout(lab, opened.work, '/admin/*', ['--app-port', String(APP_PORT)]);
});

test('the sidecar says at start-up what it captures: ports, families and protocols', { skip }, () => {
  const line = podA!.captureLine;
  assert.match(line, /outbound on 127\.0\.0\.1:15001 and \[::1\]:15001 \(IPv4\+IPv6\)/);
  assert.match(line, /HTTP\/1\.1 routed by Host and gRPC \(h2c\) by :authority/);
  assert.match(line, /inbound on \[::\]:15006 \(IPv4\+IPv6\)/);
});

test('an unmodified app calling http://orders/... reaches orders through both sidecars', { skip }, () => {
  const r = client(['http', 'http://orders/api/items?color=red']);
  assert.equal(r.status, 200, JSON.stringify(r));
  const got = JSON.parse(String(r.body)) as { method: string; url: string; body: string; headers: Record<string, string>; peer: string };
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/api/items?color=red');
  assert.equal(got.body, 'hello orders');
  // It came through sidecar B's app channel (loopback), not straight from pod A.
  assert.match(got.peer, /127\.0\.0\.1/);
  assert.equal(got.headers['x-forwarded-host'], 'orders');
});

test('kubernetes-style host names map to the app id', { skip }, () => {
  const r = client(['http', 'http://orders.default.svc.cluster.local/by-fqdn']);
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.equal((JSON.parse(String(r.body)) as { url: string }).url, '/by-fqdn');
});

test('non-HTTP TCP goes to its original destination (through both capture listeners)', { skip }, () => {
  const r = client(['tcp', `${lab!.b.ip}:${TCP_PORT}`]);
  assert.equal(r.data, 'echo:PING raw bytes\n', JSON.stringify(r));
});

test('inbound HTTP from outside the mesh runs the inbound chain to the app', { skip }, () => {
  // As the proxy gid in pod A, so pod A's rules let it go straight to pod B's app port.
  const r = client(['http', `http://${lab!.b.ip}:${APP_PORT}/direct`], true);
  assert.equal(r.status, 200, JSON.stringify(r));
  const got = JSON.parse(String(r.body)) as { url: string; headers: Record<string, string> };
  assert.equal(got.url, '/direct');
  // The app channel of sidecar B delivered it (a plain TCP relay would add no callee header).
  assert.equal(got.headers['dapr-callee-app-id'], 'orders');
});

test('mesh calls carry the caller identity to orders', { skip }, () => {
  const r = client(['http', 'http://orders/who']);
  const got = JSON.parse(String(r.body)) as { headers: Record<string, string> };
  assert.equal(got.headers['dapr-caller-app-id'], 'checkout');
  assert.equal(got.headers['dapr-callee-app-id'], 'orders');
});

test('a trace context reaches orders', { skip }, () => {
  const r = client(['http', 'http://orders/traced']);
  const got = JSON.parse(String(r.body)) as { headers: Record<string, string> };
  assert.match(got.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
});

test('access control of orders applies to captured traffic', { skip }, () => {
  const r = client(['http', 'http://orders/admin/secret']);
  assert.equal(r.status, 403, JSON.stringify(r));
});

test('exclusions: the proxy gid, excluded ports and excluded ranges are not captured', { skip }, () => {
  const l = lab!;
  const outA = (): number => natPackets(l, l.a, 'iptables', 'OUTRIGGER_REDIRECT');
  const inB = (): number => natPackets(l, l.b, 'iptables', 'OUTRIGGER_IN_REDIRECT');
  const echo = (proxy = false): void => {
    const r = client(['tcp', `${l.b.ip}:${TCP_PORT}`], proxy);
    assert.equal(r.data, 'echo:PING raw bytes\n', JSON.stringify(r));
  };
  const install = (pod: typeof l.a, extra: readonly string[]): void => {
    const r = iptablesIn(l, pod, [...CAPTURE_ARGS, ...extra]);
    assert.equal(r.code, 0, r.stderr);
  };
  // Baseline: the app's connection is captured on both sides.
  let a0 = outA();
  let b0 = inB();
  echo();
  assert.ok(outA() > a0 && inB() > b0, 'baseline connection was not captured');
  // The proxy's own group is never captured outbound.
  a0 = outA();
  echo(true);
  assert.equal(outA(), a0, 'traffic of the proxy gid was captured');
  // Excluded outbound port (pod A) and excluded inbound port (pod B).
  install(l.a, ['--exclude-outbound-ports', String(TCP_PORT)]);
  install(l.b, ['--exclude-inbound-ports', `22,${TCP_PORT}`]);
  a0 = outA();
  b0 = inB();
  echo();
  assert.equal(outA(), a0, 'an excluded outbound port was captured');
  assert.equal(inB(), b0, 'an excluded inbound port was captured');
  // Excluded outbound range.
  install(l.a, ['--exclude-outbound-ip-ranges', `${l.b.ip}/32`]);
  a0 = outA();
  echo();
  assert.equal(outA(), a0, 'an excluded outbound range was captured');
  // Back to the standard rules: mesh routing works again.
  install(l.a, []);
  install(l.b, []);
  const r = client(['http', 'http://orders/after-exclusions']);
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.equal((JSON.parse(String(r.body)) as { headers: Record<string, string> }).headers['dapr-caller-app-id'], 'checkout');
});

test('--cleanup removes exactly the OUTRIGGER chains', { skip }, () => {
  const l = lab!;
  const before = l.run(l.a, ['iptables-save', '-t', 'nat']).stdout;
  assert.match(before, /OUTRIGGER_OUTPUT/);
  l.run(l.a, ['iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'udp', '-j', 'RETURN']); // someone else's rule
  const r = iptablesIn(l, l.a, ['--cleanup']);
  assert.equal(r.code, 0, r.stderr);
  const afterText = l.run(l.a, ['iptables-save', '-t', 'nat']).stdout;
  assert.doesNotMatch(afterText, /OUTRIGGER/);
  assert.match(afterText, /-A OUTPUT -p udp -j RETURN/);
  // Idempotent: a second cleanup finds nothing to remove and still succeeds.
  const again = iptablesIn(l, l.a, ['--cleanup']);
  assert.equal(again.code, 0, again.stderr);
  const rules = (text: string): string => text.replace(/^#.*\n/gm, '').replace(/\[\d+:\d+\]/g, '');
  assert.equal(rules(l.run(l.a, ['iptables-save', '-t', 'nat']).stdout), rules(afterText));
});
