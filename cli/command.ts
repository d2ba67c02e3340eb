/**
 * The shape of an `outrigger <command>`: main.ts keeps a table of these, so adding a command is
 * one entry. `run` resolves to the process exit code; it never calls process.exit itself.
 */
export interface Command {
  readonly name: string;
  /** One line for `outrigger --help`. */
  readonly summary: string;
  /** Full usage text for `outrigger <name> --help`: every flag with its default and description. */
  help(): string;
  /** argv: the arguments after the command name. */
  run(argv: readonly string[]): Promise<number>;
}

export const EXIT_OK = 0;
/** Failure at run time (startup error, crash). */
export const EXIT_FAILURE = 1;
/** The command line was wrong: unknown command or flag, malformed or missing value. */
export const EXIT_USAGE = 2;

/** Writes the one-line usage error (`outrigger <cmd>: <message>`) and returns EXIT_USAGE. */
export function usageError(command: string, message: string): number {
  process.stderr.write(`outrigger ${command}: ${message}\n`);
  return EXIT_USAGE;
}

export function printHelp(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  return EXIT_OK;
}
