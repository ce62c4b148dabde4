/**
 * The shape every `farmwatch <command>` has: a summary, its options (parsed by node:util parseArgs)
 * and a run function. `--help` is added to every command here, once.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FarmwatchError } from '../errors/farmwatch-error.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly default?: string | boolean;
  readonly short?: string;
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Resolves to the process exit code. */
  run(opts: ParsedOptions, positionals: readonly string[]): Promise<number>;
}

export function commandHelp(cmd: Command): string {
  const lines = [`farmwatch ${cmd.name}${cmd.usage ? ' ' + cmd.usage : ''}`, '', `  ${cmd.summary}`, ''];
  const entries = Object.entries(cmd.options);
  if (entries.length > 0) lines.push('Options:');
  for (const [name, o] of entries) {
    const flag = `  --${name}${o.type === 'string' ? ' VALUE' : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default ${String(o.default)})` : '';
    lines.push(`${flag.padEnd(28)} ${o.description}${def}`);
  }
  lines.push(
    `${'  --help'.padEnd(28)} Show this help.`,
    '',
    'Configuration comes from environment variables: see `farmwatch help config`.',
  );
  return lines.join('\n');
}

export function parseCommandArgs(
  cmd: Command,
  argv: readonly string[],
): { help: boolean; opts: ParsedOptions; positionals: string[] } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new FarmwatchError(
      'USAGE',
      `${(err as Error).message.split('\n')[0] as string} (run \`farmwatch ${cmd.name} --help\` for the options)`,
    );
  }
  if (cmd.usage === undefined && parsed.positionals.length > 0) {
    throw new FarmwatchError(
      'USAGE',
      `farmwatch ${cmd.name} takes no arguments, got ${JSON.stringify(parsed.positionals[0])} (run \`farmwatch ` +
        `${cmd.name} --help\` for the options)`,
    );
  }
  const opts: ParsedOptions = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    const v = (parsed.values as ParsedOptions)[name];
    opts[name] = v ?? o.default;
  }
  return { help: parsed.values.help === true, opts, positionals: parsed.positionals };
}

/** Reads a whole-number option, failing with a message that names it. */
export function intOption(opts: ParsedOptions, name: string, min: number, max: number): number {
  const raw = opts[name];
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new FarmwatchError(
      'USAGE',
      `--${name} ${JSON.stringify(raw)} is invalid: expected an integer from ${min} to ${max}`,
    );
  }
  return n;
}
