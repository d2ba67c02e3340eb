/**
 * `outrigger run`'s process supervision, like `dapr run`: start the sidecar in-process, then the
 * app as a child with the Dapr environment variables the SDKs read; forward SIGINT/SIGTERM to the
 * app; when the app exits, stop the sidecar and report the app's exit code.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Logger } from '../observability/logger';
import type { SidecarOptions } from '../runtime/options';
import type { SidecarHandle } from '../runtime/sidecar';
import { EXIT_FAILURE } from './command';
import { onTerminationSignals, serveUntilStopped, type StartSidecar } from './sidecar-lifecycle';

export interface AppCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** Exit code when the app command could not be started at all (as shells report "not found"). */
export const EXIT_APP_NOT_STARTED = 127;

type BoundPorts = Pick<SidecarHandle, 'httpPort' | 'grpcPort' | 'metricsPort'>;

/** The environment the app starts with: `base` plus what dapr run sets and the SDKs read. */
export function appEnvironment(opts: SidecarOptions, ports: BoundPorts, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const host = dialableHost(opts.listenAddresses[0] ?? '127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    ...base,
    APP_ID: opts.appId,
    APP_PROTOCOL: opts.appProtocol,
    DAPR_HTTP_PORT: String(ports.httpPort),
    DAPR_GRPC_PORT: String(ports.grpcPort),
    DAPR_METRICS_PORT: String(ports.metricsPort),
    DAPR_HTTP_ENDPOINT: `http://${host}:${ports.httpPort}`,
    DAPR_GRPC_ENDPOINT: `http://${host}:${ports.grpcPort}`,
  };
  if (opts.appPort !== undefined) env.APP_PORT = String(opts.appPort);
  else delete env.APP_PORT;
  if (opts.apiToken !== undefined) env.DAPR_API_TOKEN = opts.apiToken;
  return env;
}

/** A listen address the app can dial: wildcards become loopback, IPv6 gets brackets. */
function dialableHost(address: string): string {
  if (address === '0.0.0.0' || address === '::' || address === '[::]') return '127.0.0.1';
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * Runs the sidecar and, when `app` is given, the app beside it. Resolves to the exit code: the
 * app's (128 + signal number when a signal ended it), 127 if it could not be spawned, 1 if the
 * sidecar failed. Without an app it serves until stopped, like `outrigger sidecar`.
 * The API listeners are bound once `start` resolves (the handle carries the bound ports), so the
 * app starts then; it does not wait for `ready`, which may itself wait for the app's port.
 */
export async function runAppWithSidecar(
  opts: SidecarOptions,
  app: AppCommand | undefined,
  logger: Logger,
  start: StartSidecar,
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let handle: SidecarHandle;
  try {
    handle = await start(opts, logger);
  } catch (err) {
    logger.error('sidecar failed to start', { error: err });
    return EXIT_FAILURE;
  }
  if (app === undefined) return serveUntilStopped(handle, logger);
  return superviseApp(handle, app, appEnvironment(opts, handle, baseEnv), logger);
}

function superviseApp(handle: SidecarHandle, app: AppCommand, env: NodeJS.ProcessEnv, logger: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let finished = false;
    let sidecarFailed = false;
    logger.info('starting app', { command: app.command });
    const child = spawn(app.command, [...app.args], { stdio: 'inherit', env });

    const disposeSignals = onTerminationSignals((signal) => {
      logger.info('forwarding signal to app', { signal });
      child.kill(signal);
    });
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      disposeSignals();
      handle
        .stop('app exited')
        .catch((err: unknown) => {
          logger.error('sidecar failed to stop cleanly', { error: err });
          sidecarFailed = true;
        })
        .finally(() => resolve(sidecarFailed ? EXIT_FAILURE : code));
    };

    child.on('error', (err) => {
      // Also emitted when a signal cannot be delivered; only a missing pid means "never started".
      if (child.pid !== undefined) return logger.warn('app process error', { error: err });
      logger.error('could not start app', { command: app.command, error: err });
      finish(EXIT_APP_NOT_STARTED);
    });
    child.once('exit', (code, signal) => {
      const exitCode = code ?? 128 + (signal === null ? 0 : (osConstants.signals[signal] ?? 0));
      logger.info('app exited', { code: exitCode, ...(signal === null ? {} : { signal }) });
      finish(exitCode);
    });
    handle.ready.catch((err: unknown) => {
      logger.error('sidecar failed to become ready; stopping app', { error: err });
      sidecarFailed = true;
      if (!finished) child.kill('SIGTERM');
    });
    handle.closed.then(
      () => {
        if (!finished) {
          logger.info('sidecar stopped; stopping app');
          child.kill('SIGTERM');
        }
      },
      (err: unknown) => {
        logger.error('sidecar closed with an error; stopping app', { error: err });
        sidecarFailed = true;
        if (!finished) child.kill('SIGTERM');
      },
    );
  });
}
