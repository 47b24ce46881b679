import type { FieldChange, OpenRegisterEvent } from '../events/openregister-event.js';

/** What a blanked value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are credentials wherever they appear, in headers or inside a payload:
 * headers that OpenRegister's pre-request interception copies into its CloudEvent
 * (`data.cloudEvent.data.headers.Authorization`), and `tokens`, where Nextcloud's
 * `webhook_listeners` puts the ephemeral auth tokens of its `tokenNeeded` option
 * (`{user_ids: {uid: token}, user_roles: {owner|trigger: {uid: token}}}`).
 */
const SECRET_KEY_NAMES =
  'authorization|proxy-authorization|x-api-key|api[-_]?key|x-webhook-signature|webhook-signature|x-signature|cookie|set-cookie|password|secret|token|tokens|access[-_]?token';
const SECRET_KEY = new RegExp(`^(${SECRET_KEY_NAMES})$`, 'i');

/**
 * A credential after its scheme in free text (`Bearer eyJhbG…`, `Basic YWRtaW4…`). Only values that
 * look like one (a digit or a token character, or long), so "Basic authentication" stays readable.
 */
const SCHEME_VALUE = /\b(Bearer|Basic|Digest|Token)(\s+)(?=[A-Za-z0-9._~+/=-]*(?:[0-9._~+/=-]|[A-Za-z]{20}))[A-Za-z0-9._~+/=-]{8,}/gi;
/** Shorter strings under a secret key are not looked for in free text: they would blank ordinary words. */
const MIN_QUOTED_SECRET_LENGTH = 6;

/**
 * The one rule for what never leaves the service: used by the log lines that carry event data,
 * the admin API, forwarding and the store's finished rows. Handlers still get the secrets (they
 * may need a token to call back), so nothing is blanked before dispatch.
 */
export class RedactionPolicy {
  private readonly extraKeys: ReadonlySet<string>;

  /** @param extraKeys further key names to blank (REDACT_FIELDS), matched case-insensitively. */
  /** `key: value`, `key=value`, `"key":"value"` in free text, for every secret key name. */
  private readonly keyValue: RegExp;

  constructor(extraKeys: readonly string[] = []) {
    this.extraKeys = new Set(extraKeys.map((key) => key.trim().toLowerCase()).filter(Boolean));
    const names = [SECRET_KEY_NAMES, ...[...this.extraKeys].map((key) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))].join('|');
    this.keyValue = new RegExp(`(?<![\\w-])(${names})(["']?\\s*[:=]\\s*["']?)(?!\\[REDACTED\\])((?:(?:Bearer|Basic|Digest|Token)\\s+)?[^\\s"',;&}]+)`, 'gi');
  }

  /** True when a value under this key is a credential. */
  isSecretKey(key: string): boolean {
    return SECRET_KEY.test(key) || (this.extraKeys.size > 0 && this.extraKeys.has(key.toLowerCase()));
  }

  /**
   * The value with every credential-like value replaced, at any depth. Returns the very same
   * value when there is nothing to blank (the common case), so callers can tell whether a copy
   * was needed and skip writing it. Never changes its argument. An empty value stays as it is:
   * OpenRegister's `@self.authorization: []` is no secret, and blanking it would only mislead.
   */
  redact<T>(value: T): T {
    return this.walk(value) as T;
  }

  /** The event with its credentials blanked; the same event when it carries none. */
  redactEvent(event: OpenRegisterEvent): OpenRegisterEvent {
    return this.redact(event);
  }

  /** The redacted event to store in place of `event`, or undefined when it carries nothing to blank (no write needed). */
  scrubbedEvent(event: OpenRegisterEvent): OpenRegisterEvent | undefined {
    const redacted = this.redact(event);
    return redacted === event ? undefined : redacted;
  }

  /**
   * Free text (a handler's error message, a stack) with credentials blanked: every credential
   * `context` (the event the handler was given) carries under a secret key, wherever the text
   * quotes it, and whatever follows a secret key name or an auth scheme. A handler's error may
   * quote a token it was given, and its message is stored, shown by the admin API and logged.
   */
  redactText(text: string, context?: unknown): string {
    let redacted = text;
    for (const secret of this.secretValues(context)) redacted = redacted.split(secret).join(REDACTED);
    return redacted.replace(this.keyValue, (_match, key: string, separator: string) => `${key}${separator}${REDACTED}`).replace(SCHEME_VALUE, `$1$2${REDACTED}`);
  }

  /** A copy of a thrown value for a log line, its message, stack and causes through {@link redactText}. */
  redactError(error: unknown, context?: unknown, depth = 0): unknown {
    if (!(error instanceof Error)) return this.redactText(String(error), context);
    // Of the same class (a log line's `type` stays HandlerTimeoutError, TypeError, ...), with the
    // message and stack as the original has them: own, not enumerable.
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
    const hidden = (key: string, value: unknown) => Object.defineProperty(copy, key, { value, enumerable: false, writable: true, configurable: true });
    hidden('message', this.redactText(error.message, context));
    if (error.stack !== undefined) hidden('stack', this.redactText(error.stack, context));
    // Its own plain fields (code, status, errno) still help; objects may be large or circular.
    for (const [key, value] of Object.entries(error)) {
      if (typeof value === 'number' || typeof value === 'boolean') define(copy as unknown as Record<string, unknown>, key, value);
      else if (typeof value === 'string') define(copy as unknown as Record<string, unknown>, key, this.isSecretKey(key) ? REDACTED : this.redactText(value, context));
    }
    if (error.cause !== undefined && depth < 5) hidden('cause', this.redactError(error.cause, context, depth + 1));
    return copy;
  }

  /** The strings under secret keys in `value` (at any depth below them too), longest first. */
  private secretValues(value: unknown): string[] {
    const found = new Set<string>();
    const collect = (node: unknown, secret: boolean): void => {
      if (typeof node === 'string') {
        if (!secret) return;
        found.add(node);
        // `Bearer <token>`: the token may be quoted without its scheme.
        const token = /^\S+\s+(\S+)$/.exec(node)?.[1];
        if (token) found.add(token);
      } else if (node !== null && typeof node === 'object') {
        for (const [key, field] of Object.entries(node)) collect(field, secret || this.isSecretKey(key));
      }
    };
    collect(value, false);
    return [...found].filter((secret) => secret.length >= MIN_QUOTED_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  /**
   * Field-level changes with credentials blanked: a change's own keys are `path`/`oldValue`/
   * `newValue`, so the credential's name is only in its path and is checked there.
   */
  redactChanges(changes: readonly FieldChange[]): FieldChange[] {
    return changes.map((change) => {
      const secretPath = change.path.split('/').some((segment) => this.isSecretKey(segment.replace(/~1/g, '/').replace(/~0/g, '~')));
      const redacted: FieldChange = { path: change.path, op: change.op };
      if ('oldValue' in change) redacted.oldValue = secretPath ? REDACTED : this.redact(change.oldValue);
      if ('newValue' in change) redacted.newValue = secretPath ? REDACTED : this.redact(change.newValue);
      return redacted;
    });
  }

  private walk(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        const redacted = this.walk(item);
        if (redacted !== item) (copy ??= value.slice())[index] = redacted;
      }
      return copy ?? value;
    }
    // Most events carry nothing to blank: they are walked without allocating and never copied.
    // The copy, once a field differs, takes the fields before it as they are (none differed).
    const keys = Object.keys(value);
    const fields = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const field = fields[key];
      const redacted = this.isSecretKey(key) && !isEmpty(field) ? REDACTED : this.walk(field);
      if (copy) define(copy, key, redacted);
      else if (redacted !== field) {
        copy = {};
        for (let before = 0; before < index; before++) define(copy, keys[before], fields[keys[before]]);
        define(copy, key, redacted);
      }
    }
    return copy ?? value;
  }
}

/** The policy with the built-in keys only, for code that runs without the configuration. */
export const DEFAULT_REDACTION = new RedactionPolicy();

/** defineProperty, not assignment: a `__proto__` key in a payload stays a plain field. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isEmpty(value: unknown): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}
