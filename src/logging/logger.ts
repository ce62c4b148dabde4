/**
 * Logs on stderr: JSON lines for machines (the default off a terminal), or one readable line per
 * entry for a person at a terminal. Human output of the CLI goes to stdout, so the two never mix in a
 * pipe. Callers pass ids and counts, never prompt text or tokens: the privacy test scans these lines.
 */
import type { LogFormatSetting, LogLevel } from '../config/config.ts';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;
export type LogFormat = 'json' | 'text';

/** `auto` is text when stderr is a terminal (a person reads it) and JSON otherwise (a collector does). */
export function resolveLogFormat(setting: LogFormatSetting, stderrIsTty: boolean): LogFormat {
  return setting === 'auto' ? (stderrIsTty ? 'text' : 'json') : setting;
}

export function createLogger(
  level: LogLevel,
  sink: LogSink = (l) => process.stderr.write(l + '\n'),
  base: LogFields = {},
  format: LogFormat = 'json',
): Logger {
  const min = RANK[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < min) return;
    const t = new Date().toISOString();
    sink(
      format === 'json'
        ? JSON.stringify({ t, level: lvl, msg, ...base, ...fields })
        : textLine(t, lvl, msg, { ...base, ...fields }),
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }, format),
  };
}

/** `12:00:01.250 WARN  message  key=value key="a value"`: the time of day, the fields quoted when they hold spaces. */
function textLine(t: string, level: LogLevel, msg: string, fields: LogFields): string {
  const parts = [`${t.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}`];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = String(v);
    parts.push(`${k}=${/[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s}`);
  }
  return parts.join('  ');
}

export function errorFields(err: unknown): LogFields {
  if (err instanceof Error)
    return { error: err.message, error_name: err.name, ...('code' in err ? { error_code: String(err.code) } : {}) };
  return { error: String(err) };
}
