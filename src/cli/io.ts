import { readFileSync } from 'node:fs';

/**
 * What a command may touch outside itself: its output streams, the environment and files. Passed in,
 * so specs run commands in-process and read what they printed.
 */
export interface CliIo {
  /** One line (or several) on stdout. */
  out(text: string): void;
  /** One line (or several) on stderr. */
  err(text: string): void;
  env: Record<string, string | undefined>;
  readFile(path: string): string;
}

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
    env: process.env,
    readFile: (path) => readFileSync(path, 'utf8'),
  };
}

/** The marks of `check`: passed, failed, and works-with-a-limit (not a failure). */
export const MARK = { ok: '✓', fail: '✗', note: '!' } as const;

/**
 * A table in fixed-width columns, as `kubectl get` prints one: header in capitals, two spaces
 * between columns, the last column unpadded (it is the long one: errors).
 */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Shortens one cell to `max` characters, on one line (errors can be multi-line). */
export function cell(value: string | number | undefined, max = Infinity): string {
  if (value === undefined) return '-';
  const text = String(value).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
