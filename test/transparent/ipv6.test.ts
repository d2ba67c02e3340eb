/**
 * Transparent sidecar mode over IPv6, end to end in two network namespaces whose veth carries IPv4
 * and IPv6 (ULA, nodad) addresses, with real iptables and ip6tables rules. In pod A "orders"
 * resolves to pod B's IPv6 address only, so the unmodified client's connections are IPv6 and can
 * only reach anything through the ip6tables capture. Sidecars talk to each other over IPv4.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ipv6Of, waitForLine, PROXY_GID, type Lab } from './netns';
import { labSuite } from './lab-suite';
import { CAPTURE_ARGS, FIX, iptablesIn, natPackets, runFixture, startOrdersAndCheckout } from './sidecar-pods';

const APP_PORT = 3000;
const TCP_PORT = 7000;

const suite = labSuite('transparent IPv6 e2e', 'outrigger-transparent6-', { ipv6: true });
const { skip } = suite;

let lab: Lab | undefined;

const client = (args: readonly string[]): Record<string, unknown> => runFixture(lab!, lab!.a, 'client-app.js', args);

const body = (r: Record<string, unknown>): { url: string; headers: Record<string, string> } => JSON.parse(String(r.body)) as { url: string; headers: Record<string, string> };

before(async () => {
  const opened = suite.open();
  if (!opened) return;
  lab = opened.lab;
  const { a, b } = lab;
  lab.hosts(a, [`${ipv6Of(b)} orders`]);
  const app = lab.start(b, path.join(FIX, 'orders-app.js'), [String(APP_PORT), String(TCP_PORT)]);
  await waitForLine(app, /APP READY/, 10_000);
  await startOrdersAndCheckout(lab, opened.work, '/admin/*', ['--app-port', String(APP_PORT)]);
});

test('IPv6: an app calling http://orders/... (an IPv6 address) is captured and routed to orders', { skip }, () => {
  const l = lab!;
  const before6 = natPackets(l, l.a, 'ip6tables', 'OUTRIGGER_REDIRECT');
  const r = client(['http', 'http://orders/v6/items?n=1']);
  assert.equal(r.status, 200, JSON.stringify(r));
  const got = body(r);
  assert.equal(got.url, '/v6/items?n=1');
  assert.equal(got.headers['dapr-caller-app-id'], 'checkout');
  assert.equal(got.headers['dapr-callee-app-id'], 'orders');
  assert.match(got.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  // The connection was IPv6 and went through the ip6tables REDIRECT.
  assert.ok(natPackets(l, l.a, 'ip6tables', 'OUTRIGGER_REDIRECT') > before6, 'ip6tables redirect counted no packet');
});

test('IPv6: access control of orders applies to captured traffic', { skip }, () => {
  const r = client(['http', 'http://orders/admin/v6']);
  assert.equal(r.status, 403, JSON.stringify(r));
});

test('IPv6: non-HTTP TCP reaches its original destination (through both capture listeners)', { skip }, () => {
  const l = lab!;
  const inboundBefore = natPackets(l, l.b, 'ip6tables', 'OUTRIGGER_IN_REDIRECT');
  const r = client(['tcp', `[${ipv6Of(l.b)}]:${TCP_PORT}`]);
  assert.equal(r.data, 'echo:PING raw bytes\n', JSON.stringify(r));
  // Pod B's inbound IPv6 capture relayed it (its ip6tables redirect counted the connection).
  assert.ok(natPackets(l, l.b, 'ip6tables', 'OUTRIGGER_IN_REDIRECT') > inboundBefore, 'pod B inbound ip6tables redirect counted no packet');
});

test('IPv6: HTTP to an IPv6 literal is not a mesh name: it goes to its original destination', { skip }, () => {
  const r = client(['http', `http://[${ipv6Of(lab!.b)}]:${APP_PORT}/literal`]);
  assert.equal(r.status, 200, JSON.stringify(r));
  const got = body(r);
  assert.equal(got.url, '/literal');
  // Not invoked through sidecar A (no caller identity), but pod B's inbound capture ran its chain.
  assert.equal(got.headers['dapr-caller-app-id'], undefined);
  assert.equal(got.headers['dapr-callee-app-id'], 'orders');
});

test('--dry-run prints the rules of both families; --capture-ipv6=false only IPv4', { skip }, () => {
  const l = lab!;
  const both = iptablesIn(l, l.a, [...CAPTURE_ARGS, '--dry-run', '--exclude-outbound-ip-ranges', '10.0.0.0/8,fd00:1::/64']);
  assert.equal(both.code, 0, both.stderr);
  const lines = both.stdout.trim().split('\n');
  assert.ok(lines.includes('iptables -t nat -A OUTRIGGER_OUTPUT -d 127.0.0.1/32 -j RETURN'), both.stdout);
  assert.ok(lines.includes('ip6tables -t nat -A OUTRIGGER_OUTPUT -d ::1/128 -j RETURN'), both.stdout);
  assert.ok(lines.includes('iptables -t nat -A OUTRIGGER_OUTPUT -d 10.0.0.0/8 -j RETURN'), both.stdout);
  assert.ok(lines.includes('ip6tables -t nat -A OUTRIGGER_OUTPUT -d fd00:1::/64 -j RETURN'), both.stdout);
  assert.ok(lines.includes('ip6tables -t nat -A OUTRIGGER_REDIRECT -p tcp -j REDIRECT --to-ports 15001'), both.stdout);
  assert.ok(lines.includes(`ip6tables -t nat -A OUTRIGGER_OUTPUT -m owner --gid-owner ${PROXY_GID} -j RETURN`), both.stdout);
  assert.ok(!lines.some((x) => x.startsWith('iptables') && x.includes('fd00:1::/64')), 'an IPv6 range in the IPv4 rules');
  const v4 = iptablesIn(l, l.a, [...CAPTURE_ARGS, '--dry-run', '--capture-ipv6=false']);
  assert.equal(v4.code, 0, v4.stderr);
  assert.ok(v4.stdout.includes('iptables -t nat -A OUTPUT -p tcp -j OUTRIGGER_OUTPUT'));
  assert.doesNotMatch(v4.stdout, /ip6tables/);
});

test('--cleanup removes exactly the OUTRIGGER chains of both families; reinstall with --capture-ipv6=false is IPv4 only', { skip }, () => {
  const l = lab!;
  const save = (bin: string): string => l.run(l.a, [bin, '-t', 'nat']).stdout;
  assert.match(save('ip6tables-save'), /OUTRIGGER_OUTPUT/);
  l.run(l.a, ['ip6tables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'udp', '-j', 'RETURN']); // someone else's rule
  const r = iptablesIn(l, l.a, ['--cleanup']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rules removed \(IPv4, IPv6\)/);
  assert.doesNotMatch(save('iptables-save'), /OUTRIGGER/);
  const v6 = save('ip6tables-save');
  assert.doesNotMatch(v6, /OUTRIGGER/);
  assert.match(v6, /-A OUTPUT -p udp -j RETURN/);

  const v4only = iptablesIn(l, l.a, [...CAPTURE_ARGS, '--capture-ipv6=false']);
  assert.equal(v4only.code, 0, v4only.stderr);
  assert.match(v4only.stdout, /IPv4: outbound TCP -> :15001/);
  assert.match(save('iptables-save'), /OUTRIGGER_OUTPUT/);
  assert.doesNotMatch(save('ip6tables-save'), /OUTRIGGER/);
  // Without IPv6 rules the IPv6 call is no longer captured: nothing listens on pod B's port 80.
  const r6 = client(['http', 'http://orders/uncaptured']);
  assert.ok(r6.error !== undefined, JSON.stringify(r6));
  assert.equal(iptablesIn(l, l.a, ['--cleanup']).code, 0);
});
