/**
 * The `outrigger` executable (dist/cli/launcher.js): runs the single-file bundle with a V8 code
 * cache, writes the cache after start, survives a corrupt cache, and falls back to the plain
 * build when there is no bundle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { freePort } from '../helpers/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIST = join(__dirname, '..', '..');
const LAUNCHER = join(DIST, 'cli', 'launcher.js');
const BUNDLE = join(DIST, 'outrigger.bundle.js');
const CACHE = join(DIST, `outrigger.bundle.${process.version}-${process.arch}.v8cache`);


function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `outrigger sidecar` through the launcher; resolves once GET /v1.0/healthz answers 204. */
async function startSidecar(dir: string): Promise<{ child: ChildProcess; stop: () => Promise<number | null>; output: () => string }> {
  const [http, grpc, internal] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const child = spawn(process.execPath, [LAUNCHER, 'sidecar', '--app-id', 'launcher-test', '--dapr-http-port', String(http), '--dapr-grpc-port', String(grpc),
    '--dapr-internal-grpc-port', String(internal), '--enable-metrics=false', '--resources-path', join(dir, 'resources'), '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await until(`the sidecar to be healthy (output: ${out})`, async () => {
    if (child.exitCode !== null) throw new Error(`the sidecar exited: ${out}`);
    return (await status(http, '/v1.0/healthz')) === 204;
  });
  assert.equal(await status(http, '/v1.0/metadata'), 200);
  return { child, output: () => out, stop: () => (child.kill('SIGTERM'), exited) };
}

test('the launcher runs the bundle, writes a code cache after start, and survives a corrupt one', { timeout: 60_000 }, async () => {
  assert.ok(existsSync(BUNDLE), 'npm run build makes dist/outrigger.bundle.js');
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-launcher-'));
  try {
    rmSync(CACHE, { force: true });
    const first = await startSidecar(dir);
    await until('the code cache to be written', () => existsSync(CACHE));
    assert.equal(await first.stop(), 0, first.output());
    assert.ok(statSync(CACHE).size > 10_000, 'the cache holds compiled code');

    // A cache V8 cannot use is rejected: the start-up compiles as usual and writes a good one.
    const garbage = Buffer.alloc(4096, 0x5a);
    writeFileSync(CACHE, garbage);
    const second = await startSidecar(dir);
    await until('the corrupt cache to be replaced', () => !readFileSync(CACHE).equals(garbage));
    assert.equal(await second.stop(), 0, second.output());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a bundle the launcher runs the plain build (dist/cli/main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-launcher-plain-'));
  try {
    mkdirSync(join(dir, 'cli'));
    copyFileSync(LAUNCHER, join(dir, 'cli', 'launcher.js'));
    writeFileSync(join(dir, 'cli', 'main.js'), "exports.runAsExecutable = () => { process.stdout.write('plain build ' + process.argv.slice(2).join(' ')); };\n");
    const r = spawnSync(process.execPath, [join(dir, 'cli', 'launcher.js'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'plain build --version');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the launcher and the plain build agree on --version and --help', () => {
  for (const args of [['--version'], ['--help'], ['sidecar', '--help']]) {
    const viaLauncher = spawnSync(process.execPath, [LAUNCHER, ...args], { encoding: 'utf8' });
    const plain = spawnSync(process.execPath, [join(DIST, 'cli', 'main.js'), ...args], { encoding: 'utf8' });
    assert.equal(viaLauncher.status, plain.status, args.join(' '));
    assert.equal(viaLauncher.stdout, plain.stdout, args.join(' '));
    assert.ok(viaLauncher.stdout.length > 0, args.join(' '));
  }
});
