/**
 * `outrigger gateway --config gateway.yaml`: the standalone gateway (gateway/). The file is watched
 * (and SIGHUP reloads it): a valid edit takes effect for new requests, in-flight ones finish on the
 * old version; an invalid edit is refused with file + field and the running config stays.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../observability/logger';
import { EXIT_FAILURE, EXIT_OK, printHelp, usageError, type Command } from './command';
import { formatSettingsHelp, parseSettings, settingsFor } from './flags';
import { boolType, choiceType, pathType } from './value-types';

interface GatewayFlags {
  config: string;
  watch: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logAsJson: boolean;
}

const s = settingsFor<GatewayFlags>();
const SETTINGS = [
  s.one('config', { flag: 'config', env: ['OUTRIGGER_GATEWAY_CONFIG'], type: pathType('<file>'), description: 'the Gateway YAML (kind: Gateway, apiVersion: outrigger.dev/v1alpha1); example in the README, fields in docs/gateway.md' }),
  s.one('watch', { flag: 'watch', type: boolType, default: true, description: 'reload the file when it changes (SIGHUP always reloads)' }),
  s.one('logLevel', { flag: 'log-level', type: choiceType(['debug', 'info', 'warn', 'error'] as const), default: 'info', description: 'log level' }),
  s.one('logAsJson', { flag: 'log-as-json', type: boolType, default: false, description: 'log one JSON object per line' }),
];

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'run the standalone L7 gateway from a Gateway config file (hot reload)',
  help: () => ['Usage: outrigger gateway --config <file> [flags]', '', 'Runs listeners (HTTP, h2c/gRPC, HTTPS with SNI), routes, clusters, filters (rate limit, jwt_authn,\nrbac, tracing, metrics) and the admin listener from the traffic policy file (docs/gateway.md).', '', formatSettingsHelp(SETTINGS)].join('\n'),
  async run(argv) {
    const parsed = parseSettings(argv, SETTINGS, process.env, { stopAtPositional: false });
    if (parsed.kind === 'help' || parsed.kind === 'version') return printHelp(gatewayCommand.help());
    if (parsed.kind === 'error') return usageError('gateway', parsed.message);
    const flags = parsed.values as GatewayFlags;
    if (!flags.config) return usageError('gateway', 'flag --config is required');
    const logger = createLogger({ level: flags.logLevel, json: flags.logAsJson }, 'gateway');
    const { Gateway } = await import('../gateway/gateway.js');
    let gw: import('../gateway/gateway').Gateway;
    try {
      gw = await Gateway.start(flags.config, logger);
    } catch (err) {
      process.stderr.write(`outrigger gateway: invalid config:\n${(err as Error).message}\n`);
      return EXIT_FAILURE;
    }
    logger.info('gateway started', { config: flags.config, version: gw.version, listeners: gw.describeListeners(), ...(gw.adminPort !== undefined ? { admin: gw.adminPort } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const reload = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => { void gw.reload(); }, 100);
    };
    let watcher: FSWatcher | undefined;
    if (flags.watch) {
      // Watch the folder: editors replace files (rename), which a file watch would lose.
      const base = path.basename(flags.config);
      watcher = watch(path.dirname(path.resolve(flags.config)), (_e, name) => { if (!name || name === base) reload(); });
    }
    process.on('SIGHUP', reload);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    watcher?.close();
    clearTimeout(timer);
    await gw.close();
    return EXIT_OK;
  },
};
