import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line the CLI cannot run: the caller prints the message and the usage on stderr, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage text of the command the mistake was made in. */
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure while running a command: one line on stderr, exit 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** `--help` or `-h` was given: print the usage on stdout, run nothing. */
  help: boolean;
}

/** Every command takes these. */
const HELP: Options = { help: { type: 'boolean', short: 'h' } };

/**
 * `parseArgs` in strict mode (an unknown or misspelt flag is an error, not silently ignored: a typo
 * in `--status` must not list everything), with its errors turned into {@link UsageError}.
 * `--help` wins over everything else, so `register --help` works without `--url`.
 */
export function parseCommand(args: string[], options: Options, usage: string, positionals: { min: number; max: number } = { min: 0, max: 0 }): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...HELP, ...options }, strict: true, allowPositionals: true });
  } catch (error) {
    // node:util says `Unknown option '--x'. To specify a positional argument starting with a '-', …`:
    // the first sentence is what the operator needs.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message.split('. ')[0].replace(/\.$/, ''), usage);
    throw error;
  }
  const values = parsed.values as Parsed['values'];
  if (values.help === true) return { values, positionals: parsed.positionals, help: true };
  if (parsed.positionals.length > positionals.max) throw new UsageError(`Unexpected argument '${parsed.positionals[positionals.max]}'`, usage);
  if (parsed.positionals.length < positionals.min) throw new UsageError('Missing argument', usage);
  return { values, positionals: parsed.positionals, help: false };
}

/** A flag that must be a whole number within bounds. */
export function wholeNumber(value: string | boolean | undefined, flag: string, bounds: { min: number; max: number }, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= bounds.min && number <= bounds.max)) throw new UsageError(`${flag} must be a whole number from ${bounds.min} to ${bounds.max}`, usage);
  return number;
}

/** A flag that must be an http(s) URL; returned without a trailing slash, so paths can be appended. */
export function httpUrl(value: string, flag: string, usage: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be an http(s) URL, not '${value}'`, usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http(s) URL, not '${value}'`, usage);
  return value.replace(/\/+$/, '');
}
