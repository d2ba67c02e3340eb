/**
 * `outrigger run [flags] [--] <command> [args...]`, like `dapr run`: the sidecar in-process and
 * the app as a child process (see app-process.ts). Without a command it only runs the sidecar.
 */
import { RUNTIME_VERSION } from '../runtime/version';
import { printHelp, usageError, type Command } from './command';
import { runAppWithSidecar } from './app-process';
import { parseSidecarArgs, sidecarFlagsHelp } from './sidecar-flags';
import { sidecarLogger } from './sidecar-command';
import { loadStartSidecar } from './sidecar-lifecycle';

export const runCommand: Command = {
  name: 'run',
  summary: 'run an app with a sidecar beside it (like `dapr run`)',
  help: () =>
    [
      'Usage: outrigger run [flags] -- <command> [args...]',
      '',
      'Starts the sidecar, then <command> with APP_ID, APP_PORT, APP_PROTOCOL, DAPR_HTTP_PORT,',
      'DAPR_GRPC_PORT, DAPR_METRICS_PORT, DAPR_HTTP_ENDPOINT, DAPR_GRPC_ENDPOINT (and DAPR_API_TOKEN',
      'when set) added to its environment. SIGINT/SIGTERM are forwarded to the app; when it exits',
      'the sidecar stops and outrigger exits with the app\'s exit code. Flags end at `--` or at the',
      'first argument that is not a flag. Without --app-id an id is generated and logged.',
      '',
      sidecarFlagsHelp(),
    ].join('\n'),
  async run(argv) {
    const parsed = parseSidecarArgs(argv, process.env, { command: 'run' });
    if (parsed.kind === 'help') return printHelp(runCommand.help());
    if (parsed.kind === 'version') return printHelp(RUNTIME_VERSION);
    if (parsed.kind === 'error') return usageError('run', parsed.message);
    const logger = sidecarLogger(parsed.options);
    if (parsed.generatedAppId) logger.info('no --app-id given; generated one', { appId: parsed.options.appId });
    const [command, ...args] = parsed.rest;
    const app = command === undefined ? undefined : { command, args };
    return runAppWithSidecar(parsed.options, app, logger, await loadStartSidecar());
  },
};
