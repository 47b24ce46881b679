/**
 * JSON text as PHP's `json_encode` writes it (no flags, `serialize_precision = -1`), so tests can
 * send what OpenRegister would send for any value: `\/` and `\uXXXX` for every non-ASCII UTF-16
 * unit (a surrogate pair as two escapes, U+2028 too), `[]` for an empty map, floats in PHP's
 * shortest form (`1.0e+100`, `1.0e-5`, `-0`), integers as their digits. Checked against PHP 8.2 by
 * test/fixtures/generate-php-fixtures.php's output and `php -r 'echo json_encode(…);'`.
 *
 * Values: `null`, booleans, strings, `bigint` (a PHP int), `number` (a PHP float), arrays (PHP
 * lists) and plain objects (PHP maps, keys in insertion order).
 */
export function phpJsonEncode(value: unknown, options: PhpEncodeOptions = {}): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return phpFloat(value);
  if (typeof value === 'string') return phpString(value, options);
  if (Array.isArray(value)) return `[${value.map((item) => phpJsonEncode(item, options)).join(',')}]`;
  const record = value as Record<string, unknown>;
  let keys = Object.keys(record);
  // PHP's empty array is a list.
  if (keys.length === 0) return '[]';
  if (options.shuffle) keys = options.shuffle(keys);
  return `{${keys.map((key) => `${phpString(key, options)}:${phpJsonEncode(record[key], options)}`).join(',')}}`;
}

export interface PhpEncodeOptions {
  /** Write `/` plainly and non-ASCII as UTF-8 instead (what JSON_UNESCAPED_SLASHES|UNICODE would). */
  unescaped?: boolean;
  /** Reorders each object's keys (the same content written in another order). */
  shuffle?: (keys: string[]) => string[];
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function phpString(text: string, { unescaped }: PhpEncodeOptions): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const code = text.charCodeAt(i);
    if (SHORT_ESCAPES[char]) out += SHORT_ESCAPES[char];
    else if (char === '/') out += unescaped ? '/' : '\\/';
    else if (code < 0x20 || (code > 0x7f && !unescaped)) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += char;
  }
  return out + '"';
}

/** PHP's float: shortest digits; exponent form when the point is more than 17 places right or 4 left. */
export function phpFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json_encode cannot write ${value}`);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '');
  const point = exponent + 1;
  if (point < -3 || point > 17) return `${sign}${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * What a receiver reads from `phpJsonEncode(value)`: the same value, except that an empty map is
 * an empty list (PHP writes both as `[]`), a PHP int is a `number` when it is a safe integer (else
 * the bigint), and a float that PHP writes as an integer literal past 2^53 is that bigint.
 */
export function phpJsonMeaning(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (typeof value === 'number') {
    const text = phpFloat(value);
    return /^-?\d+$/.test(text) && !Number.isSafeInteger(value) ? BigInt(text) : value;
  }
  if (Array.isArray(value)) return value.map(phpJsonMeaning);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? [] : Object.fromEntries(entries.map(([key, item]) => [key, phpJsonMeaning(item)]));
  }
  return value;
}
