import type { Options, Parsed } from './args.js';
import type { CliIo } from './io.js';

/** One command of the CLI: its flags, its help, and what it does. */
export interface Command {
  /** As typed after the program's name: `register`, `deliveries list`. */
  name: string;
  /** One line for the program's own help. */
  summary: string;
  /** The full `--help` text. */
  usage: string;
  options: Options;
  positionals?: { min: number; max: number };
  /** @returns the exit code (0, or 1 when a check failed); throws CommandError or UsageError otherwise. */
  run(parsed: Parsed, io: CliIo): Promise<number>;
}
