/**
 * `farmwatch <command>`: the one entry point. Parses the environment once (a bad value stops here
 * with a message naming the variable) and hands the frozen config to the command.
 */
import { CONFIG_VARIABLES, parseConfig, type Config } from '../config/config.ts';
import { isUserError } from '../errors/farmwatch-error.ts';
import { createLogger, resolveLogFormat } from '../logging/logger.ts';
import { commandHelp, parseCommandArgs, type Command } from './command.ts';
import { demoCommand } from './demo-command.ts';
import { simulateCommand } from './simulate-command.ts';
import { clustererCommand } from './clusterer-command.ts';
import { backtestCommand, evaluateCommand } from './backtest-command.ts';
import { workerCommand } from './worker-command.ts';
import { reviewCommand } from './review-command.ts';
import { clustersCommand } from './clusters-command.ts';
import { resetOffsetsCommand } from './reset-offsets-command.ts';

let cached: Config | undefined;
const config = (): Config => (cached ??= parseConfig(process.env));
const logger = (c: Config) =>
  createLogger(c.logLevel, undefined, {}, resolveLogFormat(c.logFormat, process.stderr.isTTY === true));

const COMMANDS: readonly Command[] = [
  demoCommand(config, logger),
  workerCommand(config, logger),
  clustererCommand(config, logger),
  simulateCommand(config, logger),
  backtestCommand(config, logger),
  evaluateCommand(config, logger),
  reviewCommand(config, logger),
  clustersCommand(config, logger),
  resetOffsetsCommand(config, logger),
];

function usage(): string {
  const lines = ['Usage: farmwatch <command> [options]', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(12)} ${c.summary}`);
  lines.push(
    '',
    "Run `farmwatch <command> --help` for a command's options, `farmwatch help config` for the environment variables.",
  );
  return lines.join('\n');
}

function configHelp(): string {
  const lines = ['Environment variables (unset or empty takes the default):', ''];
  const vars = Object.values(CONFIG_VARIABLES);
  // Columns as wide as their longest entry: FARMWATCH_KAFKA_SESSION_TIMEOUT once pushed its row out of line.
  const nameWidth = Math.max(...vars.map((v) => v.name.length));
  const defaultWidth = Math.max(...vars.map((v) => v.default.length));
  for (const v of vars)
    lines.push(`  ${v.name.padEnd(nameWidth)}  ${v.default.padEnd(defaultWidth)}  ${v.description}`);
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(rest[0] === 'config' ? configHelp() : usage());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(
      `farmwatch: unknown command ${JSON.stringify(name)}: expected one of ${COMMANDS.map((c) => c.name).join(', ')} ` +
        `(run \`farmwatch --help\`)`,
    );
    return 2;
  }
  const { help, opts, positionals } = parseCommandArgs(cmd, rest);
  if (help) {
    console.log(commandHelp(cmd));
    return 0;
  }
  return cmd.run(opts, positionals);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // What the user can fix is one line (config errors may name several variables, one per line).
    if (isUserError(err)) {
      console.error(`farmwatch: ${err.message}`);
      process.exit(2);
    }
    // Our own failure: the one-line message first, then the stack for whoever reports it.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`farmwatch: internal error: ${message}`);
    if (err instanceof Error && err.stack !== undefined) console.error(err.stack);
    process.exit(1);
  },
);
