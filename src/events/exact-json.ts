import { randomBytes } from 'node:crypto';

/**
 * JSON with exact integers. PHP writes integers up to 9223372036854775807, but `JSON.parse` rounds
 * every integer past 2^53 to the nearest double, so a register's id or a counter would change on the
 * way. Here an integer literal that is not a safe integer becomes a `bigint` with exactly its digits,
 * every other number stays a `number`, and a `bigint` is written back as its digits.
 *
 * Both directions keep the native functions, and the common path costs one walk over the parsed
 * value (no allocation per value): the text is always parsed with `JSON.parse` (so what is valid
 * JSON, what a duplicate key or `__proto__` means, stay `JSON.parse`'s), and only when the result
 * holds a number outside ±(2^53 - 1), which no safe integer literal can give, is the text scanned
 * for such integer literals, each put in quotes behind a random marker, parsed again and the marked
 * strings turned into bigints. Node 20 has no `JSON.parse` source-text access; lossless-json, which
 * parses in JavaScript, took 11 times as long as `JSON.parse` for a 1 MB body (bench/README.md).
 * Writing tries `JSON.stringify`, which throws on a `bigint`, and only then takes the slow path.
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
   * `json_encode` depth). Checked without recursion, before anything walks the value recursively.
   * No limit by default.
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
  if (!walk(value, options.maxDepth ?? Infinity)) return value;
  const marker = newMarker();
  const marked: unknown = JSON.parse(quoteUnsafeIntegers(text, JSON.stringify(marker).slice(1, -1)));
  if (typeof marked === 'string') return toBigint(marked, marker);
  walk(marked, Infinity, marker);
  return marked;
}

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
  // Each bigint first becomes a marked string, whose quotes and marker then leave the text.
  const marker = newMarker();
  const text = JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? marker + field.toString() : field));
  const quoted = JSON.stringify(marker).slice(0, -1);
  return text.replaceAll(new RegExp(`${escapeRegExp(quoted)}(-?\\d+)"`, 'g'), '$1');
}

/**
 * A string no JSON value holds by chance: a NUL, then 128 random bits. New for every call, so a
 * sender cannot write one into a body to have it read as a bigint.
 */
function newMarker(): string {
  return `\u0000bigint:${randomBytes(16).toString('hex')}:`;
}

/**
 * Walks a parsed value with a stack (no recursion, whatever the nesting) and checks its depth.
 * Without `marker`: whether it holds a number outside ±(2^53 - 1). With it: turns every string
 * that starts with the marker into its bigint, in place, and returns false.
 * `for...in` over a parsed object allocates nothing (Object.values would, for every object), and a
 * parsed object has only own, enumerable data fields.
 * @throws JsonDepthError when the value is nested deeper than `maxDepth`.
 */
function walk(value: unknown, maxDepth: number, marker?: string): boolean {
  if (typeof value !== 'object' || value === null) return isUnsafe(value);
  if (maxDepth < 1) throw new JsonDepthError(maxDepth);
  let found = false;
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'object' && item !== null) {
          if (depth >= maxDepth) throw new JsonDepthError(maxDepth);
          containers.push(item);
          depths.push(depth + 1);
        } else if (marker === undefined) {
          if (isUnsafe(item)) found = true;
        } else if (typeof item === 'string' && item.startsWith(marker)) container[i] = toBigint(item, marker);
      }
    } else {
      for (const key in container) {
        const item = container[key];
        if (typeof item === 'object' && item !== null) {
          if (depth >= maxDepth) throw new JsonDepthError(maxDepth);
          containers.push(item);
          depths.push(depth + 1);
        } else if (marker === undefined) {
          if (isUnsafe(item)) found = true;
        } else if (typeof item === 'string' && item.startsWith(marker)) {
          // Defined, not assigned: a `__proto__` field stays a field, as JSON.parse made it.
          Object.defineProperty(container, key, { value: toBigint(item, marker), enumerable: true, writable: true, configurable: true });
        }
      }
    }
  }
  return found;
}

/** A parsed number past ±(2^53 - 1): an integer literal `JSON.parse` may have rounded. */
function isUnsafe(value: unknown): boolean {
  return typeof value === 'number' && (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER);
}

function toBigint(marked: string, marker: string): bigint {
  return BigInt(marked.slice(marker.length));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The text with each integer literal outside ±(2^53 - 1) written as a JSON string: `"` + the
 * marker (already escaped as JSON string content) + its digits + `"`. Only ever given text that
 * `JSON.parse` took, so every token outside strings is valid JSON.
 */
function quoteUnsafeIntegers(text: string, escapedMarker: string): string {
  const parts: string[] = [];
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      // Skip the string: up to the next quote that no backslash escapes.
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      i++;
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      const start = i;
      let integer = true;
      for (i++; i < text.length; i++) {
        const next = text.charCodeAt(i);
        if (next >= ZERO && next <= NINE) continue;
        // A fraction or an exponent (`.`, `e`, `E`, and the exponent's sign): not an integer literal.
        if (next === 0x2e || next === 0x65 || next === 0x45 || next === 0x2b || next === MINUS) integer = false;
        else break;
      }
      // Fewer than 16 digits is always a safe integer.
      if (integer && i - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        parts.push(text.slice(copiedUpTo, start), '"', escapedMarker, text.slice(start, i), '"');
        copiedUpTo = i;
      }
    } else {
      i++;
    }
  }
  parts.push(text.slice(copiedUpTo));
  return parts.join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
