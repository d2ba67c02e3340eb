/**
 * A private broker process for restart tests: its own free port and its own data directory, so
 * it can be stopped and started again without touching the shared brokers on their usual ports.
 * Also the pieces every restart test shares: binary checks (a missing binary fails under CI=true),
 * publishing with a caller's retries, and a recorder of what a subscription saw.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { PubSub, PubsubMessage } from '../../../components/pubsub/contract';
import { delay } from './targets';

export { freePort } from '../../helpers/free-port';

/** True when `cmd args` runs and exits 0. */
export function binaryRuns(cmd: string, args: readonly string[]): boolean {
  return spawnSync(cmd, [...args], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

/** The binary's path: on PATH or in one of `extraDirs` (sbin is often not on a user's PATH). */
export function onPath(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((d) => join(d, name)).find((f) => {
    try {
      accessSync(f, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Skips the test when the binary is missing, except under CI=true where it fails. Returns false to stop. */
export function requireBinary(ctx: TestContext, present: boolean, what: string): boolean {
  if (present) return true;
  if (process.env.CI === 'true') assert.fail(`${what} not found`);
  ctx.skip(`${what} not installed`);
  return false;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export interface BrokerSpec {
  readonly what: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** The port whose accepting connections means "up". */
  readonly port: number;
  /** Bound on start-up (RabbitMQ boots in seconds). */
  readonly startTimeoutMs?: number;
}

/** One broker process that can be stopped (SIGTERM, graceful) and started again with the same data. */
export class PrivateBroker {
  private proc: ChildProcess | undefined;
  private output = '';

  constructor(private readonly spec: BrokerSpec) {}

  get port(): number {
    return this.spec.port;
  }

  async start(): Promise<void> {
    const { spec } = this;
    if (await portOpen(spec.port)) throw new Error(`${spec.what}: port ${spec.port} is already taken`);
    this.output = '';
    const proc = spawn(spec.command, [...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      env: { ...process.env, ...spec.env },
    });
    const keep = (b: Buffer): void => void (this.output = (this.output + b.toString()).slice(-4000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.proc = proc;
    const end = Date.now() + (spec.startTimeoutMs ?? 20_000);
    while (Date.now() < end) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await portOpen(spec.port)) return;
      await delay(100);
    }
    await this.stop();
    throw new Error(`${spec.what} did not start on port ${spec.port}: ${this.output}`);
  }

  /** Graceful stop; the process group is killed if it lingers. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.pid === undefined) return;
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => killGroup(p.pid!), 30_000);
      await exited;
      clearTimeout(t);
    }
    // Children (a broker started by a wrapper script) must not outlive it.
    killGroup(p.pid);
    for (let i = 0; i < 100 && (await portOpen(this.spec.port)); i++) await delay(100);
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Publishes as a caller with retries would (resiliency retries failed publishes). */
export async function publishWithRetry(p: PubSub, topic: string, body: string, attempts = 150): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await p.publish({ topic, data: Buffer.from(body), metadata: {} });
    } catch (e) {
      if (attempt >= attempts) throw e;
      await delay(200);
    }
  }
}

/** What a subscription saw: every delivery, and the bodies whose handler resolved (acknowledged). */
export class Deliveries {
  readonly seen = new Map<string, number>();
  readonly accepted = new Set<string>();

  record(m: PubsubMessage): string {
    const body = m.data.toString();
    this.seen.set(body, (this.seen.get(body) ?? 0) + 1);
    return body;
  }

  missing(want: Iterable<string>): string[] {
    return [...want].filter((w) => !this.accepted.has(w));
  }
}

/**
 * Starts `count` publishes while the broker is down and reports how each settled. A publish that
 * resolved must later be delivered; one that rejected must say why.
 */
export function publishDuringOutage(p: PubSub, topic: string, prefix: string, count: number): Promise<Array<{ body: string; ok: boolean; error?: string }>> {
  return Promise.all(Array.from({ length: count }, (_, i) => `${prefix}-${i}`).map(async (body) => {
    try {
      await p.publish({ topic, data: Buffer.from(body), metadata: {} });
      return { body, ok: true };
    } catch (e) {
      return { body, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }));
}

export function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}
