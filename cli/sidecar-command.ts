/**
 * `outrigger sidecar`: daprd. Parses daprd's flags, starts the sidecar, and on SIGINT/SIGTERM
 * stops it gracefully and exits 0.
 */
import { createLogger, type Logger } from '../observability/logger';
import { RUNTIME_VERSION } from '../runtime/version';
import { EXIT_FAILURE, printHelp, usageError, type Command } from './command';
import { parseSidecarArgs, sidecarFlagsHelp, type ParsedSidecarOptions } from './sidecar-flags';
import { loadStartSidecar, serveUntilStopped } from './sidecar-lifecycle';

/** The sidecar's logger, per --log-level and --log-as-json; also reports accepted-but-unserved flags. */
export function sidecarLogger(opts: ParsedSidecarOptions): Logger {
  const logger = createLogger({ level: opts.logLevel, json: opts.logAsJson, appId: opts.appId });
  if (opts.enableProfiling) logger.warn('--enable-profiling is accepted for daprd compatibility but profiling is not served');
  return logger;
}

export const sidecarCommand: Command = {
  name: 'sidecar',
  summary: 'run the Dapr-compatible sidecar (accepts daprd\'s flags)',
  help: () =>
    [
      'Usage: outrigger sidecar --app-id <id> [flags]',
      '',
      'Runs the sidecar: the Dapr HTTP and gRPC APIs, the sidecar-to-sidecar listener and metrics.',
      'Accepts the flags and environment variables of daprd. SIGINT/SIGTERM stop it gracefully.',
      '',
      sidecarFlagsHelp(),
    ].join('\n'),
  async run(argv) {
    const parsed = parseSidecarArgs(argv, process.env, { command: 'sidecar' });
    if (parsed.kind === 'help') return printHelp(sidecarCommand.help());
    if (parsed.kind === 'version') return printHelp(RUNTIME_VERSION);
    if (parsed.kind === 'error') return usageError('sidecar', parsed.message);
    const logger = sidecarLogger(parsed.options);
    const start = await loadStartSidecar();
    let handle;
    try {
      handle = await start(parsed.options, logger);
    } catch (err) {
      logger.error('sidecar failed to start', { error: err });
      return EXIT_FAILURE;
    }
    return serveUntilStopped(handle, logger);
  },
};
