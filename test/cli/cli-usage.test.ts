/** The built binary: usage errors exit 2 with one line on stderr; --help lists every flag. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { sidecarSettings } from '../../cli/sidecar-flags';

const MAIN = resolve(__dirname, '../../cli/main.js');
const cleanEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };

function outrigger(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { env: cleanEnv, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertUsageError(args: string[], message: RegExp): void {
  const r = outrigger(...args);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line for ${args.join(' ')}: ${r.stderr}`);
  assert.match(lines[0] as string, message);
  assert.equal(r.stdout, '');
}

test('malformed and unknown flags exit 2 with one line naming the flag', () => {
  assertUsageError(['sidecar', '--app-id', 'x', '--app-port', 'abc'], /^outrigger sidecar: invalid value "abc" for flag --app-port: expected an integer port 0-65535$/);
  assertUsageError(['sidecar', '--app-id', 'x', '--app-protocol', 'ftp'], /^outrigger sidecar: .*--app-protocol: expected one of http, https, grpc, grpcs, h2c$/);
  assertUsageError(['sidecar', '-app-id', 'x', '-dapr-http-port'], /^outrigger sidecar: flag --dapr-http-port needs a value/);
  assertUsageError(['sidecar', '--app-id', 'x', '--no-such-flag'], /^outrigger sidecar: unknown flag --no-such-flag$/);
  assertUsageError(['sidecar', '--app-port', '3000'], /^outrigger sidecar: flag --app-id is required/);
  assertUsageError(['sidecar', '--app-id=x', '--max-body-size=lots'], /^outrigger sidecar: invalid value "lots" for flag --max-body-size: expected a size/);
  assertUsageError(['run', '--app-id', 'x', '--metrics-port', '-5', '--', 'node'], /^outrigger run: invalid value "-5" for flag --metrics-port/);
});

test('unknown commands exit 2 and list the known ones', () => {
  assertUsageError(['frobnicate'], /^outrigger: unknown command "frobnicate": expected one of sidecar, run, sentry, gateway, iptables, help, version/);
  assertUsageError(['--bogus'], /^outrigger: unknown flag --bogus/);
  assertUsageError(['help', 'frobnicate'], /^outrigger help: unknown command "frobnicate"/);
  const none = outrigger();
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: outrigger <command>/);
});

test('outrigger --help lists every command', () => {
  for (const flag of ['--help', '-h', 'help']) {
    const r = outrigger(flag);
    assert.equal(r.code, 0);
    for (const cmd of ['sidecar', 'run', 'sentry', 'gateway', 'iptables', 'help', 'version']) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'));
  }
});

test('sidecar and run --help list every flag and environment variable with its default', () => {
  for (const args of [['sidecar', '--help'], ['sidecar', '-h'], ['run', '--help'], ['help', 'sidecar'], ['sidecar', '-app-id', 'x', '-help']]) {
    const r = outrigger(...args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.stderr, '');
    for (const s of sidecarSettings) {
      if (s.flag !== undefined) assert.ok(r.stdout.includes(`--${s.flag} `) || r.stdout.includes(`--${s.flag}[`), `${args.join(' ')} lists --${s.flag}`);
      for (const name of s.env) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), `${args.join(' ')} lists ${name}`);
    }
    for (const dflt of ['(default 3500)', '(default 50001)', '(default 9090)', '(default 4Mi)', '(default 16Ki)', '(default http)', '(default /healthz)']) {
      assert.ok(r.stdout.includes(dflt), `${args.join(' ')} shows ${dflt}`);
    }
  }
});

test('version prints the package version', () => {
  for (const args of [['version'], ['--version'], ['-v'], ['sidecar', '--version']]) {
    const r = outrigger(...args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\d+\.\d+\.\d+/);
  }
});
