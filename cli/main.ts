#!/usr/bin/env node
/**
 * The `outrigger` binary: dispatches to one command from the table below. Adding a command is one
 * entry (a Command from command.ts). Exit codes: the command's own, 2 for usage errors.
 */
import { RUNTIME_VERSION } from '../runtime/version';
import { printHelp, usageError, EXIT_USAGE, type Command } from './command';
import { runCommand } from './run-command';
import { sidecarCommand } from './sidecar-command';
import { sentryCommand } from './sentry-command';
import { gatewayCommand } from './gateway-command';
import { iptablesCommand } from './iptables-command';

const helpCommand: Command = {
  name: 'help',
  summary: 'show help for outrigger or for one command',
  help: () => 'Usage: outrigger help [command]',
  run: async (argv) => {
    if (argv.length === 0) return printHelp(mainHelp());
    const target = argv[0] as string;
    const cmd = findCommand(target);
    if (cmd === undefined || argv.length > 1) return usageError('help', `unknown command "${argv.join(' ')}": expected one of ${commandNames()}`);
    return printHelp(cmd.help());
  },
};

const versionCommand: Command = {
  name: 'version',
  summary: 'print the outrigger version',
  help: () => 'Usage: outrigger version',
  run: async (argv) => {
    if (argv.length === 1 && ['-h', '--help', '-help'].includes(argv[0] as string)) return printHelp(versionCommand.help());
    if (argv.length > 0) return usageError('version', `unexpected argument "${argv[0]}": this command takes none`);
    return printHelp(`outrigger ${RUNTIME_VERSION}`);
  },
};

/** Every command, in help order. */
export const commands: readonly Command[] = [sidecarCommand, runCommand, sentryCommand, gatewayCommand, iptablesCommand, helpCommand, versionCommand];

function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}

function commandNames(): string {
  return commands.map((c) => c.name).join(', ');
}

export function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: outrigger <command> [flags]',
    '',
    'Outrigger: a Dapr-compatible sidecar built as an L7 data plane.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags:',
    '  -h, --help     show this help',
    '  -v, --version  print the version',
    '',
    'Run `outrigger <command> --help` for the flags of a command.',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(mainHelp() + '\n');
    return EXIT_USAGE;
  }
  if (first === '-h' || first === '--help' || first === '-help') return printHelp(mainHelp());
  if (first === '-v' || first === '--version' || first === '-version') return printHelp(`outrigger ${RUNTIME_VERSION}`);
  const cmd = findCommand(first);
  if (cmd === undefined) {
    const what = first.startsWith('-') ? `unknown flag ${first}` : `unknown command "${first}"`;
    process.stderr.write(`outrigger: ${what}: expected one of ${commandNames()} (see outrigger --help)\n`);
    return EXIT_USAGE;
  }
  return cmd.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`outrigger: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
