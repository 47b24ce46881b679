import { randomUUID } from 'node:crypto';
import { phpJsonEncode } from '../php-json.js';
import { auditJson, objectJson } from './serialise.js';
import { phpInt, phpSerializedLength, randomHex } from './php.js';
import type { Actor, FakeStore } from './state.js';
import type { AuditEntry, StoredObject } from './types.js';

const THIRTY_DAYS_IN_MS = 30 * 86_400_000;

/**
 * `AuditTrailMapper::createAuditTrail($old, $new, $action)`. `changed` lists, for create and
 * update, each key of the new JSON that was unset/null before or is not identical (`!==`, so key
 * order counts), plus on update each old key now unset/null; delete and read get `[]`.
 */
export function writeAudit(store: FakeStore, action: 'create' | 'update' | 'delete' | 'read', old: StoredObject | null, next: StoredObject | null, actor: Actor, ipAddress = '127.0.0.1'): AuditEntry {
  const subject = (action === 'delete' ? old : next)!;
  const subjectJson = objectJson(subject);
  let changed: Record<string, unknown> | [] = [];
  if (action === 'create' || action === 'update') {
    const oldJson: Record<string, unknown> = old ? objectJson(old) : {};
    const newJson: Record<string, unknown> = next ? objectJson(next) : {};
    const diff: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(newJson)) {
      if (!isset(oldJson[key]) || !identical(oldJson[key], value)) diff[key] = { old: oldJson[key] ?? null, new: value };
    }
    if (action === 'update') for (const [key, value] of Object.entries(oldJson)) if (!isset(newJson[key])) diff[key] = { old: value, new: null };
    changed = Object.keys(diff).length > 0 ? diff : [];
  }
  const now = store.clock.now();
  const entry: AuditEntry = {
    id: store.nextId('audit'),
    uuid: randomUUID(),
    schema: subject.schemaId,
    register: subject.registerId,
    object: subject.id,
    objectUuid: subject.uuid,
    registerUuid: null,
    schemaUuid: null,
    action,
    changed,
    user: actor ?? 'System',
    // The fake's users' display names are their uids.
    userName: actor ?? 'System',
    session: randomHex(13),
    request: randomHex(10),
    ipAddress,
    version: null,
    created: now,
    organisationId: null,
    organisationIdType: null,
    processingActivityId: null,
    processingActivityUrl: null,
    processingId: null,
    confidentiality: null,
    retentionPeriod: null,
    size: Math.max(phpSerializedLength(subjectJson), 14),
    expires: new Date(now.getTime() + THIRTY_DAYS_IN_MS),
    hash: null,
    previousHash: null,
  };
  store.audit.push(entry);
  return entry;
}

/** PHP's `isset()`: present and not null. */
function isset(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** PHP's `===` on decoded JSON: arrays are identical with the same pairs in the same order. */
function identical(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return aKeys.length === bKeys.length && aKeys.every((key, index) => key === bKeys[index] && identical((a as any)[key], (b as any)[key]));
}

/** Query keys `AuditTrailController::extractRequestParameters` keeps out of the filters. */
const CONTROLLER_KEYS = new Set(['limit', '_limit', 'offset', '_offset', 'page', '_page', 'search', '_search', 'sort', '_sort', 'order', '_order', '_route', 'id', 'register', 'schema', 'format', 'from', 'to', 'identifier']);
/** Columns `AuditTrailMapper::findAll` filters and sorts on (DB names → entry fields). */
const COLUMNS: Record<string, keyof AuditEntry> = { id: 'id', uuid: 'uuid', schema: 'schema', register: 'register', object: 'object', action: 'action', changed: 'changed', user: 'user', user_name: 'userName', session: 'session', request: 'request', ip_address: 'ipAddress', version: 'version', created: 'created' };

function column(entry: AuditEntry, name: string): string | null {
  const value = entry[COLUMNS[name]];
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace('T', ' ');
  return typeof value === 'object' ? phpJsonEncode(value) : String(value);
}

/**
 * `GET /api/audit-trails`. Returns null where PHP fails: `limit=0` divides by zero (a 500).
 * The sort direction is always ASC (a bug in every branch); the default sort is `created`.
 */
export function auditPage(store: FakeStore, query: URLSearchParams): Record<string, unknown> | null {
  const first = (...keys: string[]) => keys.map((key) => query.get(key)).find((value) => value !== null) ?? null;
  const limitText = first('limit', '_limit');
  const limit = limitText === null ? 20 : phpInt(limitText);
  const offsetText = first('offset', '_offset');
  let offset = offsetText === null ? null : phpInt(offsetText);
  const pageText = first('page', '_page');
  const page = pageText === null ? null : phpInt(pageText);
  if (page !== null && offset === null) offset = (page - 1) * limit;
  const search = first('search', '_search');

  const sortFields: string[] = [];
  for (const [key, value] of query) {
    const bracket = /^_?sort\[([^\]]+)\]$/.exec(key);
    if (bracket) sortFields.push(bracket[1]);
    else if ((key === 'sort' || key === '_sort') && sortFields.length === 0) sortFields.push(value);
  }
  if (sortFields.length === 0) sortFields.push('created');

  let rows = store.audit.filter((entry) =>
    [...query].every(([key, value]) => {
      if (CONTROLLER_KEYS.has(key) || key.startsWith('_') || !(key in COLUMNS)) return true;
      const actual = column(entry, key);
      if (value === 'IS NOT NULL') return actual !== null;
      if (value === 'IS NULL') return actual === null;
      if (value.includes(',')) return value.split(',').map((item) => item.trim()).includes(actual ?? '');
      return actual === value;
    }),
  );
  const total = rows.length;
  if (search !== null && search !== '') rows = rows.filter((entry) => phpJsonEncode(entry.changed).includes(search));
  const sortable = sortFields.filter((field) => field in COLUMNS);
  // Ties (same second) fall back to insertion order, which is what the table gives in practice.
  rows = [...rows].sort((a, b) => {
    for (const field of sortable) {
      const x = column(a, field) ?? '';
      const y = column(b, field) ?? '';
      const numeric = field === 'id' || field === 'schema' || field === 'register' || field === 'object';
      const order = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
      if (order !== 0) return order;
    }
    return a.id - b.id;
  });
  if (limit === 0) return null;
  const start = offset ?? 0;
  const results = rows.slice(start, limit > 0 ? start + limit : undefined).map(auditJson);
  // `ceil()` returns a PHP float; without JSON_PRESERVE_ZERO_FRACTION it is written as `1`.
  return { results, total, page, pages: Math.ceil(total / limit), limit, offset };
}

/**
 * The expiry job (entries live 30 days: `expires` = created + 30 days): removes the entries
 * created before `before`; by default those already expired at the clock's now.
 */
export function pruneAudit(store: FakeStore, before?: Date): number {
  const cutoff = before?.getTime() ?? store.clock.now().getTime() - THIRTY_DAYS_IN_MS;
  const keep = store.audit.filter((entry) => entry.created.getTime() >= cutoff);
  const removed = store.audit.length - keep.length;
  store.audit.splice(0, store.audit.length, ...keep);
  return removed;
}
