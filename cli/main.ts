#!/usr/bin/env node
/**
 * The `outrigger` binary: dispatches to one command from the table below. Adding a command is one
 * entry (a Command from command.ts). Exit codes: the command's own, 2 for usage errors.
 * Commands other than `sidecar` are loaded when run or asked for help, so starting a sidecar does
 * not load the CA, the gateway or the iptables tooling.
 */
import { RUNTIME_VERSION } from '../runtime/version';
import { printHelp, usageError, EXIT_USAGE, type Command } from './command';
import { sidecarCommand } from './sidecar-command';

/** A command whose module is loaded on first use; `summary` repeats the module's own. */
function lazyCommand(name: string, summary: string, load: () => Command): Command {
  return { name, summary, help: () => load().help(), run: (argv) => load().run(argv) };
}

const runCommand = lazyCommand('run', 'run an app with a sidecar beside it (like `dapr run`)', () => (require('./run-command') as typeof import('./run-command')).runCommand);
const sentryCommand = lazyCommand('sentry', 'run the Sentry-compatible certificate authority (signs workload certificates)', () => (require('./sentry-command') as typeof import('./sentry-command')).sentryCommand);
const gatewayCommand = lazyCommand('gateway', 'run the standalone L7 gateway from a Gateway config file (hot reload)', () => (require('./gateway-command') as typeof import('./gateway-command')).gatewayCommand);
const iptablesCommand = lazyCommand('iptables', 'install (or --dry-run print, or --cleanup remove) the transparent-capture iptables rules', () => (require('./iptables-command') as typeof import('./iptables-command')).iptablesCommand);

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

/** Runs the command line of this process and exits with its code (the `outrigger` executable). */
export function runAsExecutable(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`outrigger: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runAsExecutable();
