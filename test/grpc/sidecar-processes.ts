/** Real sidecar processes (`node dist/cli/main.js sidecar ...`) for tests that load them like the bench does. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../helpers/sidecar';

const MAIN = path.resolve(__dirname, '../../cli/main.js');

export interface SidecarProcess {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Still running (not exited since start). */
  alive(): boolean;
  /** What the process printed (for assertion messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface SidecarProcessSpec {
  readonly appId: string;
  readonly internalPort: number;
  readonly config: string;
  readonly resourcesPath: string;
  readonly dataDir: string;
  readonly appPort?: number;
  readonly appProtocol?: 'http' | 'grpc';
  readonly mtls?: boolean;
}

async function healthy(port: number, child: ChildProcess, out: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sidecar exited (${child.exitCode}) before it was healthy:\n${out()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v1.0/healthz`);
      if (r.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSidecarProcess(spec: SidecarProcessSpec): Promise<SidecarProcess> {
  const [httpPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = [MAIN, 'sidecar', '--app-id', spec.appId,
    '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort),
    '--dapr-internal-grpc-port', String(spec.internalPort), '--metrics-port', String(metricsPort),
    '--resources-path', spec.resourcesPath, '--config', spec.config, '--data-dir', spec.dataDir, '--log-level', 'warn'];
  if (spec.appPort !== undefined) args.push('--app-port', String(spec.appPort));
  if (spec.appProtocol) args.push('--app-protocol', spec.appProtocol);
  if (spec.mtls) args.push('--enable-mtls');
  const child = spawn(process.execPath, args, { env: { ...process.env, DAPR_HOST_IP: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer): void => { out = (out + d.toString('utf8')).slice(-20_000); };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await healthy(httpPort, child, () => out);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    grpcPort,
    httpPort,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
