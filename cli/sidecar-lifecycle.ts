/**
 * Process wiring around a running sidecar: loading the runtime lazily (so `--help` and usage
 * errors stay fast and never load the data plane), signals, and waiting until the sidecar closes.
 */
import type { Logger } from '../observability/logger';
import type { SidecarOptions } from '../runtime/options';
import type { SidecarHandle } from '../runtime/sidecar';
import { EXIT_FAILURE, EXIT_OK } from './command';

export type StartSidecar = (opts: SidecarOptions, logger: Logger) => Promise<SidecarHandle>;

/** Loads runtime/sidecar on first use. `require` (not `import()`, which would go through the ESM loader). */
export async function loadStartSidecar(): Promise<StartSidecar> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = require('../runtime/sidecar') as typeof import('../runtime/sidecar');
  return runtime.startSidecar;
}

/** Calls `handler` on SIGINT and SIGTERM (instead of Node's default exit) until disposed. */
export function onTerminationSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Serves until the sidecar closes: the first SIGINT/SIGTERM stops it gracefully (within
 * --dapr-graceful-shutdown-seconds), a second one exits at once. Resolves to the exit code:
 * 0 after a graceful stop (signal or POST /v1.0/shutdown), 1 if startup or stopping failed.
 */
export async function serveUntilStopped(handle: SidecarHandle, logger: Logger): Promise<number> {
  let failed = false;
  let stopping = false;
  let reportStopFailure: () => void = () => undefined;
  const stopFailed = new Promise<void>((resolve) => (reportStopFailure = resolve));
  const stop = (reason: string): void => {
    stopping = true;
    handle.stop(reason).catch((err: unknown) => {
      logger.error('sidecar failed to stop cleanly', { reason, error: err });
      failed = true;
      reportStopFailure();
    });
  };
  const dispose = onTerminationSignals((signal) => {
    if (stopping) {
      logger.warn('second termination signal: exiting without waiting for a graceful stop', { signal });
      process.exit(EXIT_FAILURE);
    }
    logger.info('shutting down on signal', { signal });
    stop(`signal ${signal}`);
  });
  handle.ready.catch((err: unknown) => {
    logger.error('sidecar failed to become ready', { error: err });
    failed = true;
    if (!stopping) stop('startup failed');
  });
  try {
    const closed = handle.closed.catch((err: unknown) => {
      logger.error('sidecar closed with an error', { error: err });
      failed = true;
    });
    await Promise.race([closed, stopFailed]);
  } finally {
    dispose();
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}
