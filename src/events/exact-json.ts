import { randomBytes } from 'node:crypto';
import { parse as parseLossless } from 'lossless-json';

/**
 * JSON with exact integers. PHP writes integers up to 9223372036854775807, but `JSON.parse` rounds
 * every integer past 2^53 to the nearest double, so a register's id or a counter would change on the
 * way. Here an integer literal that is not a safe integer becomes a `bigint` with exactly its digits,
 * every other number stays a `number`, and a `bigint` is written back as its digits.
 *
 * Both directions keep the native functions on the common path: the text is always parsed with
 * `JSON.parse` first (so what is valid JSON and what a duplicate key means stay `JSON.parse`'s), and
 * only when that result holds a number outside ±(2^53 - 1), which no exact parse of a safe integer
 * can give, is the text parsed again with lossless-json, keeping the literal's digits. Writing tries
 * `JSON.stringify`, which throws on a `bigint`, and only then takes the slow path.
 */

/** Thrown when a JSON value is nested deeper than the limit it was read with. */
export class JsonDepthError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON is nested deeper than ${maxDepth} levels`);
    this.name = 'JsonDepthError';
  }
}

export interface ExactJsonOptions {
  /**
   * Most arrays and objects allowed inside one another (the outermost counts as 1, as in PHP's
   * `json_encode` depth). Checked iteratively, before anything walks the value recursively.
   */
  maxDepth?: number;
}

/**
 * `JSON.parse`, except that an integer literal outside ±(2^53 - 1) becomes a `bigint` with its
 * exact digits.
 * @throws SyntaxError for text that is not JSON (the message is `JSON.parse`'s).
 * @throws JsonDepthError when the value is nested deeper than `options.maxDepth`.
 */
export function parseExactJson(text: string, options: ExactJsonOptions = {}): unknown {
  const value: unknown = JSON.parse(text);
  const maxDepth = options.maxDepth ?? Infinity;
  if (!needsExactParse(value, maxDepth)) return value;
  // lossless-json's parser recurses once per level: a deeper text is refused, not a stack overflow.
  if (maxDepth > EXACT_PARSE_MAX_DEPTH) needsExactParse(value, EXACT_PARSE_MAX_DEPTH);
  return parseLossless(text, null, { parseNumber: exactNumber, onDuplicateKey: lastValueWins });
}

/** The deepest text the exact (recursive) parse is given, whatever the caller's limit. */
export const EXACT_PARSE_MAX_DEPTH = 2048;

/**
 * `JSON.stringify`, except that a `bigint` is written as its digits (where `JSON.stringify` throws).
 * @returns the JSON text; like `JSON.stringify`, undefined for `undefined` or a function.
 */
export function stringifyExactJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // Duck-typed: the error may come from another realm (Jest's VM).
    if (!/BigInt/.test(String((error as Error | undefined)?.message))) throw error;
  }
  return stringifyWithBigints(value);
}

/**
 * Whether `value` holds a number only an exact parse gets right.
 * @throws JsonDepthError when it is nested deeper than `maxDepth`.
 */
function needsExactParse(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return isUnsafe(value);
  if (maxDepth < 1) throw new JsonDepthError(maxDepth);
  let found = false;
  // One stack of containers and one of their depths: no recursion, whatever the sender nested.
  // `for...in` over a parsed object allocates nothing (Object.values would, for every object), and
  // a parsed object has only own, enumerable data fields.
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop()!;
    const depth = depths.pop()!;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'object' && item !== null) {
          if (depth >= maxDepth) throw new JsonDepthError(maxDepth);
          containers.push(item);
          depths.push(depth + 1);
        } else if (isUnsafe(item)) found = true;
      }
    } else {
      for (const key in container) {
        const item: unknown = (container as Record<string, unknown>)[key];
        if (typeof item === 'object' && item !== null) {
          if (depth >= maxDepth) throw new JsonDepthError(maxDepth);
          containers.push(item);
          depths.push(depth + 1);
        } else if (isUnsafe(item)) found = true;
      }
    }
  }
  return found;
}

/** A parsed number past ±(2^53 - 1): an integer literal `JSON.parse` may have rounded. */
function isUnsafe(value: unknown): boolean {
  return typeof value === 'number' && (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER);
}

const INTEGER_LITERAL = /^-?\d+$/;

/** The value of a number literal: a `bigint` for an integer that is not safe, else what `JSON.parse` gives. */
function exactNumber(literal: string): number | bigint {
  const number = Number(literal);
  if (Number.isSafeInteger(number) || !INTEGER_LITERAL.test(literal)) return number;
  return BigInt(literal);
}

/** As `JSON.parse` does: a key given twice takes the value given last. */
function lastValueWins({ newValue }: { newValue: unknown }): unknown {
  return newValue;
}

/**
 * `JSON.stringify` with each `bigint` first written as a string holding a random marker and its
 * digits, which are then put in the text without quotes. The marker is new on every call, so no
 * string of the value can look like one.
 */
function stringifyWithBigints(value: unknown): string {
  const marker = `\u0000bigint:${randomBytes(16).toString('hex')}:`;
  const text = JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? marker + field.toString() : field));
  // JSON.stringify writes the marker's NUL as \u0000.
  const quoted = JSON.stringify(marker).slice(0, -1);
  return text.replaceAll(new RegExp(`${escapeRegExp(quoted)}(-?\\d+)"`, 'g'), '$1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
