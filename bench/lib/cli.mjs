// The command line of every script an operator or developer runs (bench/*.mjs, scripts/fuzz/run.mjs,
// scripts/install-*.mjs): `--help` prints the usage and exits 0 before anything is started, and a
// mistake (an unknown option, a missing value, a bad one) is one line on stderr plus the usage,
// exit 2, never a stack trace. Built on node:util parseArgs, like the service's own CLI (src/cli).
// Imports nothing but node:util, so it is cheap to load before a script does any work.
import { parseArgs } from 'node:util';

/** Exit code of a command line the script cannot run (as src/cli: 2, a usage error). */
export const USAGE_EXIT = 2;

/**
 * Parses `argv` (default: this process's arguments) against `options` (parseArgs' format, all
 * strings unless said otherwise). `--help`/`-h` print `usage` on stdout and exit 0; a mistake
 * exits 2 through {@link usageError}. Returns `{ values, positionals }`.
 */
export function parseCli({ name, usage, options = {}, positionals = false, argv = process.argv.slice(2) }) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, strict: true, allowPositionals: positionals });
  } catch (error) {
    // A help request wins over a mistake elsewhere on the line, as in src/cli.
    if (argv.includes('--help') || argv.includes('-h')) printUsage(usage);
    // parseArgs' first sentence says it; its hint after it is kept only for a value starting with
    // a dash (`--old-args=--flag`), the one mistake the hint helps with.
    const message = error?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? error.message.replace(/\s*\n\s*/g, ' ') : error?.message?.split('. ')[0].replace(/\.$/, '');
    if (String(error?.code).startsWith('ERR_PARSE_ARGS')) usageError(name, message, usage);
    throw error;
  }
  if (parsed.values.help) printUsage(usage);
  return parsed;
}

/** `usage` on stdout, exit 0. */
export function printUsage(usage) {
  process.stdout.write(`${usage.trimEnd()}\n`);
  process.exit(0);
}

/** One line naming the mistake, then the usage, on stderr; exit 2. */
export function usageError(name, message, usage) {
  process.stderr.write(`${name}: ${message}\n\n${usage.trimEnd()}\n`);
  process.exit(USAGE_EXIT);
}

/**
 * A value that must be an integer of at least `min`: the number, or a usage error naming the
 * option. For the numeric options every script has.
 */
export function integerOption(cli, option, value, min = 0) {
  const n = Number(value);
  if (value === '' || !Number.isInteger(n) || n < min) usageError(cli.name, `--${option} takes an integer of at least ${min}, not '${value}'`, cli.usage);
  return n;
}

/** A value that must be a number of at least `min` (fractions allowed), else a usage error. */
export function numberOption(cli, option, value, min = 0) {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n < min) usageError(cli.name, `--${option} takes a number of at least ${min}, not '${value}'`, cli.usage);
  return n;
}
