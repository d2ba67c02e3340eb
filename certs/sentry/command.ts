/**
 * `outrigger sentry`: the certificate authority service (Dapr's Sentry, standalone mode).
 * Argument parsing and process wiring only; the work is in server.ts.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, type LogLevel } from '../../observability/logger';
import { CertsError } from '../errors';
import { startSentryServer } from './server';
import { TokenPolicy } from './token-policy';

import { SENTRY_USAGE } from './usage';
export { SENTRY_USAGE };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style duration ("1h30m", "15m", "500ms") to milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

export interface SentryCommandIo {
  /** Stops the server (tests); SIGINT/SIGTERM also do. */
  signal?: AbortSignal;
  out?: (text: string) => void;
  err?: (text: string) => void;
  onListening?: (port: number) => void;
}

export async function runSentryCommand(argv: string[], io: SentryCommandIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string', default: '50001' },
        'listen-address': { type: 'string', default: '0.0.0.0' },
        'issuer-credentials': { type: 'string', default: path.join(os.homedir(), '.outrigger', 'certs') },
        'trust-domain': { type: 'string', default: 'cluster.local' },
        namespace: { type: 'string', default: process.env.NAMESPACE || 'default' },
        'workload-cert-ttl': { type: 'string', default: '24h' },
        'allowed-clock-skew': { type: 'string', default: '15m' },
        'token-file': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'info' },
        'log-as-json': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    err(`outrigger sentry: ${(e as Error).message}\n\n${SENTRY_USAGE}`);
    return 2;
  }
  if (values.help) {
    out(SENTRY_USAGE);
    return 0;
  }
  const bad = (msg: string): number => {
    err(`outrigger sentry: ${msg}\n`);
    return 2;
  };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return bad(`invalid --port ${String(values.port)}`);
  const ttlMs = parseDuration(String(values['workload-cert-ttl']));
  if (!ttlMs) return bad(`invalid --workload-cert-ttl ${String(values['workload-cert-ttl'])}`);
  const skewMs = parseDuration(String(values['allowed-clock-skew']));
  if (skewMs === undefined) return bad(`invalid --allowed-clock-skew ${String(values['allowed-clock-skew'])}`);
  const level = String(values['log-level']) as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) return bad(`invalid --log-level ${level}`);
  const trustDomain = String(values['trust-domain']);
  const tokenFile = values['token-file'] as string | undefined;
  if (!tokenFile && !values.insecure) return bad('one of --token-file or --insecure is required');

  const log = createLogger({ level, json: values['log-as-json'] === true }, 'sentry');
  try {
    const policy = tokenFile ? new TokenPolicy(tokenFile, trustDomain, log) : undefined;
    if (!policy) log.warn('running with --insecure: any caller can obtain any identity');
    const server = await startSentryServer({
      credentialsDir: path.resolve(String(values['issuer-credentials'])),
      trustDomain,
      namespace: String(values.namespace),
      workloadCertTtlMs: ttlMs,
      allowedClockSkewMs: skewMs,
      ...(policy ? { policy } : { insecure: true }),
      port,
      host: String(values['listen-address']),
      logger: log,
    });
    io.onListening?.(server.port);
    await waitForStop(io.signal);
    log.info('sentry shutting down');
    await server.close();
    return 0;
  } catch (e) {
    const code = e instanceof CertsError ? e.code : 'ERR_SENTRY_START';
    log.error('sentry failed to start', { code, error: e });
    return 1;
  }
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done);
  });
}
