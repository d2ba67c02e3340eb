/**
 * `outrigger iptables` without root: the commands and restore scripts it would run for both
 * families, recorded through its injectable exec (the real binaries run in e2e.test.ts and
 * ipv6.test.ts), and the IPv6 conntrack lookup on the kernel's own line format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIptables } from '../../cli/iptables-command';
import type { Exec, ExecResult } from '../../iptables/apply';
import { ip6BinaryFor } from '../../iptables/apply';
import { cidrFamily } from '../../iptables/rules';
import { findOriginalDst } from '../../proxy/capture/original-dst';

const BASE = ['--proxy-gid', '1337', '--outbound-capture-port', '15001', '--inbound-capture-port', '15006'];

async function run(args: readonly string[], exec: Exec = recorder().exec): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runIptables(args, exec, (l) => lines.push(l));
  return { code, lines };
}

/** Records every command; `fail(argv)` decides a command's result (default: success). */
function recorder(fail: (argv: readonly string[]) => ExecResult | undefined = () => undefined): { exec: Exec; calls: { argv: string[]; stdin?: string }[] } {
  const calls: { argv: string[]; stdin?: string }[] = [];
  const exec: Exec = async (argv, stdin) => {
    calls.push({ argv: [...argv], ...(stdin !== undefined ? { stdin } : {}) });
    return fail(argv) ?? { code: 0, stdout: '', stderr: '' };
  };
  return { exec, calls };
}

test('--dry-run prints the same rules for iptables and ip6tables, each with its own loopback', async () => {
  const { code, lines } = await run([...BASE, '--dry-run', '--exclude-outbound-ports', '3306', '--exclude-inbound-ports', '22']);
  assert.equal(code, 0);
  const v4 = lines.filter((l) => l.startsWith('iptables '));
  const v6 = lines.filter((l) => l.startsWith('ip6tables '));
  assert.equal(v4.length + v6.length, lines.length);
  assert.equal(v4.length, v6.length);
  assert.ok(v4.includes('iptables -t nat -A OUTRIGGER_OUTPUT -d 127.0.0.1/32 -j RETURN'));
  assert.ok(v6.includes('ip6tables -t nat -A OUTRIGGER_OUTPUT -d ::1/128 -j RETURN'));
  for (const fam of [v4, v6]) {
    const bin = fam === v4 ? 'iptables' : 'ip6tables';
    assert.ok(fam.includes(`${bin} -t nat -A OUTRIGGER_OUTPUT -m owner --gid-owner 1337 -j RETURN`));
    assert.ok(fam.includes(`${bin} -t nat -A OUTRIGGER_OUTPUT -p tcp --dport 3306 -j RETURN`));
    assert.ok(fam.includes(`${bin} -t nat -A OUTRIGGER_INBOUND -p tcp --dport 22 -j RETURN`));
    assert.ok(fam.includes(`${bin} -t nat -A OUTRIGGER_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006`));
    assert.ok(fam.includes(`${bin} -t nat -A OUTRIGGER_REDIRECT -p tcp -j REDIRECT --to-ports 15001`));
  }
});

test('--capture-ipv6=false prints and installs IPv4 only', async () => {
  const dry = await run([...BASE, '--dry-run', '--capture-ipv6=false']);
  assert.equal(dry.code, 0);
  assert.ok(dry.lines.length > 0);
  assert.ok(dry.lines.every((l) => l.startsWith('iptables ')), dry.lines.join('\n'));
  const rec = recorder();
  const r = await run([...BASE, '--capture-ipv6=false'], rec.exec);
  assert.equal(r.code, 0);
  assert.deepEqual(rec.calls.filter((c) => c.argv[0]!.endsWith('-restore')).map((c) => c.argv[0]), ['iptables-restore']);
  assert.ok(!rec.calls.some((c) => c.argv[0]!.startsWith('ip6tables')));
});

test('excluded ranges go to the rules of their own family; a bad range is a usage error', async () => {
  const { lines } = await run([...BASE, '--dry-run', '--exclude-outbound-ip-ranges', '10.0.0.0/8,fd00::/8,192.168.1.1']);
  assert.ok(lines.includes('iptables -t nat -A OUTRIGGER_OUTPUT -d 10.0.0.0/8 -j RETURN'));
  assert.ok(lines.includes('iptables -t nat -A OUTRIGGER_OUTPUT -d 192.168.1.1 -j RETURN'));
  assert.ok(lines.includes('ip6tables -t nat -A OUTRIGGER_OUTPUT -d fd00::/8 -j RETURN'));
  assert.ok(!lines.some((l) => l.startsWith('iptables ') && l.includes('fd00::/8')));
  assert.ok(!lines.some((l) => l.startsWith('ip6tables ') && l.includes('10.0.0.0/8')));
  for (const bad of ['10.0.0.0/33', 'fd00::/129', 'orders', '300.1.1.1']) {
    assert.equal(cidrFamily(bad), undefined, bad);
    assert.equal((await run([...BASE, '--dry-run', '--exclude-outbound-ip-ranges', bad])).code, 2, bad);
  }
});

test('install: one atomic restore per family, after cleaning up earlier rules of that family', async () => {
  const rec = recorder();
  const r = await run(BASE, rec.exec);
  assert.equal(r.code, 0);
  assert.match(r.lines.join('\n'), /IPv4 and IPv6: outbound TCP -> :15001, inbound TCP -> :15006; not captured: loopback, gid 1337/);
  const restores = rec.calls.filter((c) => c.argv[0]!.endsWith('-restore'));
  assert.deepEqual(restores.map((c) => c.argv), [['iptables-restore', '-w', '--noflush'], ['ip6tables-restore', '-w', '--noflush']]);
  assert.match(restores[0]!.stdin!, /^\*nat\n:OUTRIGGER_INBOUND - \[0:0\]/);
  assert.match(restores[0]!.stdin!, /-A OUTRIGGER_OUTPUT -d 127\.0\.0\.1\/32 -j RETURN\n/);
  assert.match(restores[1]!.stdin!, /-A OUTRIGGER_OUTPUT -d ::1\/128 -j RETURN\n/);
  assert.match(restores[1]!.stdin!, /COMMIT\n$/);
  // Each family's cleanup (jump deletion) ran before its restore.
  const firstV6 = rec.calls.findIndex((c) => c.argv[0] === 'ip6tables' && c.argv.includes('-D'));
  const v6Restore = rec.calls.findIndex((c) => c.argv[0] === 'ip6tables-restore');
  assert.ok(firstV6 >= 0 && firstV6 < v6Restore);
});

test('a failed IPv6 install removes the IPv4 rules it just installed and says how to opt out', async () => {
  const rec = recorder((argv) => (argv[0] === 'ip6tables-restore' ? { code: 2, stdout: '', stderr: "can't initialize ip6tables table `nat'" } : undefined));
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => { stderr.push(String(chunk)); return true; }) as typeof process.stderr.write;
  let r: { code: number; lines: string[] };
  try {
    r = await run(BASE, rec.exec);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(r.code, 1);
  assert.match(stderr.join(''), /installing IPv6 rules failed: can't initialize ip6tables table `nat' \(use --capture-ipv6=false where IPv6 is not used\)/);
  const v4Restore = rec.calls.findIndex((c) => c.argv[0] === 'iptables-restore');
  const v6Restore = rec.calls.findIndex((c) => c.argv[0] === 'ip6tables-restore');
  const rollback = rec.calls.slice(v6Restore + 1).filter((c) => c.argv[0] === 'iptables');
  assert.ok(v4Restore >= 0 && v4Restore < v6Restore);
  assert.ok(rollback.some((c) => c.argv.join(' ') === 'iptables -w -t nat -D OUTPUT -p tcp -j OUTRIGGER_OUTPUT'), 'IPv4 jumps not removed');
  assert.ok(rollback.some((c) => c.argv.join(' ') === 'iptables -w -t nat -X OUTRIGGER_OUTPUT'), 'IPv4 chains not removed');
});

test('--cleanup removes both families; a missing ip6tables is reported, not an error', async () => {
  const rec = recorder((argv) => {
    if (argv[0]!.startsWith('ip6tables')) return { code: 127, stdout: '', stderr: 'spawn ip6tables ENOENT' };
    if (argv.includes('-D')) return { code: 1, stdout: '', stderr: 'no such rule' }; // nothing installed
    return undefined;
  });
  const r = await run(['--cleanup'], rec.exec);
  assert.equal(r.code, 0);
  assert.match(r.lines.join('\n'), /rules removed \(IPv4\); IPv6 skipped \(ip6tables not found\)/);
  const both = recorder();
  const r2 = await run(['--cleanup'], both.exec);
  assert.equal(r2.code, 0);
  assert.match(r2.lines.join('\n'), /rules removed \(IPv4, IPv6\)/);
  for (const bin of ['iptables', 'ip6tables']) {
    for (const chain of ['OUTRIGGER_INBOUND', 'OUTRIGGER_IN_REDIRECT', 'OUTRIGGER_OUTPUT', 'OUTRIGGER_REDIRECT']) {
      assert.ok(both.calls.some((c) => c.argv.join(' ') === `${bin} -w -t nat -X ${chain}`), `${bin} ${chain}`);
    }
  }
});

test('--cleanup --dry-run prints the cleanup of both families', async () => {
  const { code, lines } = await run(['--cleanup', '--dry-run', '--iptables', 'iptables-legacy']);
  assert.equal(code, 0);
  assert.ok(lines.includes('iptables-legacy -t nat -D OUTPUT -p tcp -j OUTRIGGER_OUTPUT'));
  assert.ok(lines.includes('ip6tables-legacy -t nat -D PREROUTING -p tcp -j OUTRIGGER_INBOUND'));
  assert.ok(lines.includes('ip6tables-legacy -t nat -X OUTRIGGER_REDIRECT'));
});

test('the IPv6 binary follows the IPv4 one unless named', async () => {
  assert.equal(ip6BinaryFor('iptables'), 'ip6tables');
  assert.equal(ip6BinaryFor('iptables-nft'), 'ip6tables-nft');
  assert.equal(ip6BinaryFor('/usr/sbin/iptables-legacy'), '/usr/sbin/ip6tables-legacy');
  const { lines } = await run([...BASE, '--dry-run', '--ip6tables', '/opt/ip6t']);
  assert.ok(lines.some((l) => l.startsWith('/opt/ip6t -t nat -A OUTPUT')));
});

test('IPv6 original destination: found in the conntrack line of a REDIRECTed connection', () => {
  // As the kernel prints it (captured from `ip6tables -t nat -A OUTPUT -d fd99::5 -j REDIRECT`).
  const text = [
    'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=44902 dport=80 src=127.0.0.1 dst=10.0.0.1 sport=15001 dport=44902 [ASSURED] mark=0 zone=0 use=2',
    'ipv6     10 tcp      6 432000 ESTABLISHED src=fd99:0000:0000:0000:0000:0000:0000:0001 dst=fd99:0000:0000:0000:0000:0000:0000:0005 sport=44902 dport=80 src=0000:0000:0000:0000:0000:0000:0000:0001 dst=fd99:0000:0000:0000:0000:0000:0000:0001 sport=15001 dport=44902 [ASSURED] mark=0 zone=0 use=2',
    '',
  ].join('\n');
  const dst = findOriginalDst(text, { localAddress: '::1', localPort: 15001, remoteAddress: 'fd99::1', remotePort: 44902 });
  assert.deepEqual(dst, { host: 'fd99:0000:0000:0000:0000:0000:0000:0005', port: 80 });
  const v4 = findOriginalDst(text, { localAddress: '127.0.0.1', localPort: 15001, remoteAddress: '10.0.0.1', remotePort: 44902 });
  assert.deepEqual(v4, { host: '10.0.0.2', port: 80 });
  // An IPv4 client accepted on a dual-stack "::" listener shows as ::ffff:a.b.c.d.
  assert.deepEqual(findOriginalDst(text, { localAddress: '::ffff:127.0.0.1', localPort: 15001, remoteAddress: '::ffff:10.0.0.1', remotePort: 44902 }), v4);
});
