/**
 * JSON with object keys sorted at every depth, so the same content always hashes the same,
 * whatever order or escaping the sender wrote it in.
 *
 * Idempotency keys already stored are hashes of this text, so it must never change for the same
 * value. It is built in two steps that give exactly the text of the recursive definition
 * (`canonicalJsonReference` in the spec) for JSON data, in a fraction of its time on big objects:
 * a walk that puts every object's keys in sorted order (re-using the parts that already are), then
 * one native `JSON.stringify`. Only an object whose key order JavaScript cannot hold (integer-like
 * keys such as "10" and "9", which objects always enumerate in numeric order), or that holds a
 * `bigint` (written as its digits), is written by hand.
 *
 * Recursive, one level per level of the value: only ever given values whose depth was checked
 * (ingest/parse-delivery.ts refuses bodies deeper than MAX_BODY_DEPTH before any of this runs).
 */
export function canonicalJson(value: unknown): string {
  return textOf(sortedForm(value));
}

/** Canonical JSON text of a part that `JSON.stringify` cannot be given as an object. */
class CanonicalText {
  constructor(readonly text: string) {}
}

/**
 * The copies have a prototype without any properties, so every key, `__proto__` and `constructor`
 * included, is assigned as an own data field, and `JSON.stringify` finds no `toJSON`.
 */
const SortedObject = function SortedObject() {} as unknown as new () => Record<string, unknown>;
SortedObject.prototype = Object.create(null);

/** The value, or a copy of it with sorted keys, or its canonical text; never modifies the value. */
function sortedForm(value: unknown): unknown {
  // An integer past 2^53 is read as a bigint (events/exact-json.ts), which JSON.stringify refuses:
  // its digits, as the sender wrote them.
  if (typeof value === 'bigint') return new CanonicalText(value.toString());
  if (typeof value !== 'object' || value === null) return value;
  return Array.isArray(value) ? sortedArray(value) : sortedObject(value as Record<string, unknown>);
}

function sortedArray(array: unknown[]): unknown {
  let items: unknown[] | undefined;
  let hasText = false;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const form = sortedForm(item);
    if (form === item && items === undefined) continue;
    items ??= array.slice(0, i);
    items.push(form);
    hasText ||= form instanceof CanonicalText;
  }
  if (hasText) return new CanonicalText(`[${items!.map(textOf).join(',')}]`);
  return items ?? array;
}

function sortedObject(object: Record<string, unknown>): unknown {
  const keys = Object.keys(object);
  // JSON.stringify would call a Date's toJSON; the definition only ever looks at own keys.
  const plain = Object.getPrototypeOf(object) === Object.prototype;
  let changed = !plain || !isSorted(keys);
  if (changed) keys.sort();
  let hasText = false;
  const forms = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const field = object[keys[i]];
    const form = sortedForm(field);
    forms[i] = form;
    if (form !== field) {
      changed = true;
      hasText ||= form instanceof CanonicalText;
    } else if (typeof field === 'function' || typeof field === 'symbol') {
      // JSON.stringify drops such fields; the definition writes them as null.
      changed = hasText = true;
    }
  }
  if (!changed) return object;
  if (!hasText) {
    const copy = new SortedObject();
    for (let i = 0; i < keys.length; i++) if (forms[i] !== undefined) copy[keys[i]] = forms[i];
    if (!mayHaveIntegerKeys(keys) || sameOrder(Object.keys(copy), keys, forms)) return copy;
  }
  const fields: string[] = [];
  for (let i = 0; i < keys.length; i++) if (forms[i] !== undefined) fields.push(`${JSON.stringify(keys[i])}:${textOf(forms[i])}`);
  return new CanonicalText(`{${fields.join(',')}}`);
}

function textOf(form: unknown): string {
  return form instanceof CanonicalText ? form.text : (JSON.stringify(form) ?? 'null');
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/** Objects enumerate integer-like keys ("10", "9") first, in numeric order, whatever the insertion order. */
function mayHaveIntegerKeys(sortedKeys: string[]): boolean {
  return sortedKeys.some((key) => key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57);
}

/** True when the copy enumerates its keys in the sorted order (undefined fields were left out). */
function sameOrder(copyKeys: string[], sortedKeys: string[], forms: unknown[]): boolean {
  let j = 0;
  for (let i = 0; i < sortedKeys.length; i++) {
    if (forms[i] === undefined) continue;
    if (copyKeys[j++] !== sortedKeys[i]) return false;
  }
  return j === copyKeys.length;
}
