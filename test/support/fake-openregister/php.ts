import { randomBytes } from 'node:crypto';
import { phpJsonEncode } from '../php-json.js';

/**
 * Small PHP/Nextcloud behaviours the fake needs byte for byte. Each one mirrors a line of the
 * real source (quoted in /work/research/openregister-api.md); none of them is a guess.
 */

/** `DateTime::format('c')` (and `DATE_ATOM`, the same text). The fake's server runs in UTC, Nextcloud's default. */
export function phpDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** PHP's `(int) $string`: leading optional sign and digits, anything else is 0 (`since=abc` → 0). */
export function phpInt(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** PHP's `(bool) $value` on a request parameter: '' , '0', 0, false, null and [] are false. */
export function phpBool(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return !(value === '' || value === '0' || value === 0 || value === false || value === null || value === undefined);
}

/** `empty($value)` as the controllers use it for required fields. */
export function phpEmpty(value: unknown): boolean {
  return !phpBool(value);
}

/**
 * The bytes Nextcloud's `JSONResponse::render()` writes: `json_encode($data, JSON_HEX_TAG)`.
 * JSON_HEX_TAG turns `<`/`>` into `\u003C`/`\u003E`; outside strings JSON has neither, so a plain
 * replace over the encoded text is exact. No JSON_PRESERVE_ZERO_FRACTION: a float 1.0 is `1`.
 */
export function nextcloudJson(data: unknown): string {
  return phpJsonEncode(data).replaceAll('<', '\\u003C').replaceAll('>', '\\u003E');
}

/**
 * `ObjectsController::stripEmptyValues`: drops null, '' and empty arrays (lists and maps),
 * recursively; keeps 0, false and "0".
 */
export function stripEmptyValues(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const kept = stripValue(value);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function stripValue(value: unknown): unknown {
  if (value === null || value === '' || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(stripValue).filter((item) => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === 'object') {
    const inner = stripEmptyValues(value as Record<string, unknown>);
    return Object.keys(inner).length === 0 ? undefined : inner;
  }
  return value;
}

/**
 * PHP's `fnmatch($pattern, $string)` without flags, as `Webhook::matchesEvent` calls it: `*`, `?`,
 * `[...]`, and a backslash escapes the next character. So `OCA\OpenRegister\Event\*` means a
 * literal `*` (and `\O` a plain `O`): a real wildcard on a namespaced class needs `OCA*Created*`.
 */
export function fnmatch(pattern: string, text: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]);
    else if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) source += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replaceAll('\\', '\\\\');
        source += `[${body}]`;
        i = end;
      }
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`).test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `bin2hex(random_bytes(16))`: the CloudEvent `id` RealtimeService writes. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * `strlen(serialize($value))` for a decoded JSON value, which the audit trail stores as `size`
 * (`max(strlen(serialize($objectEntity->jsonSerialize())), 14)`). Lists and maps are both PHP
 * arrays; integer-valued numbers are PHP ints here (the fake never stores floats in objects).
 */
export function phpSerializedLength(value: unknown): number {
  if (value === null || value === undefined) return 2; // N;
  if (typeof value === 'boolean') return 4; // b:1;
  if (typeof value === 'number') return Number.isInteger(value) ? `i:${value};`.length : `d:${value};`.length;
  if (typeof value === 'string') {
    const bytes = Buffer.byteLength(value);
    return `s:${bytes}:"";`.length + bytes;
  }
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value as object);
  let inner = 0;
  for (const [key, item] of entries) {
    inner += (typeof key === 'number' || /^(0|-?[1-9]\d*)$/.test(key) ? `i:${key};`.length : phpSerializedLength(key)) + phpSerializedLength(item);
  }
  return `a:${entries.length}:{}`.length + inner;
}
