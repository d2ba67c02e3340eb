/**
 * Structured logger: text lines by default, one JSON object per line with --log-as-json.
 * Scoped loggers carry a component name. Secrets must never be passed in fields.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  json: boolean;
  appId?: string;
  /** Where lines go; defaults to stderr for warn/error and stdout otherwise. */
  sink?: (line: string, level: LogLevel) => void;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly scope: string;
  enabled(level: LogLevel): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

function defaultSink(line: string, level: LogLevel): void {
  (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line + '\n');
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function createLogger(opts: LoggerOptions, scope = 'outrigger'): Logger {
  const min = levelRank[opts.level];
  const sink = opts.sink ?? defaultSink;
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (levelRank[level] < min) return;
    const time = new Date().toISOString();
    if (opts.json) {
      const rec: Record<string, unknown> = { time, level, scope, msg };
      if (opts.appId) rec.app_id = opts.appId;
      if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = v instanceof Error ? v.message : v;
      sink(JSON.stringify(rec), level);
    } else {
      let line = `time="${time}" level=${level} scope=${scope}`;
      if (opts.appId) line += ` app_id=${opts.appId}`;
      line += ` msg=${JSON.stringify(msg)}`;
      if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${formatValue(v)}`;
      sink(line, level);
    }
  };
  return {
    scope,
    enabled: (level) => levelRank[level] >= min,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (s) => createLogger(opts, `${scope}.${s}`),
  };
}

/** A logger that drops everything (tests and library use). */
export const silentLogger: Logger = createLogger({ level: 'error', json: false, sink: () => undefined });
