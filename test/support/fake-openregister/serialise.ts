import { phpDate } from './php.js';
import type { AuditEntry, StoredObject, StoredRegister, StoredSchema, StoredWebhook } from './types.js';

/**
 * `ObjectEntity::jsonSerialize()` (development branch): user fields at the top level, `@self`
 * assigned over any user `@self` (keeping its position, as PHP array assignment does), then `id` =
 * the uuid. `@self` keys in `getObjectArray()` order; this is the unstripped form that webhooks and
 * the audit trail's `changed` see. (master builds stop `@self` at `source`; development adds
 * mail…deck, all null by default.)
 */
export function objectJson(object: StoredObject): Record<string, unknown> {
  const json: Record<string, unknown> = { ...object.fields };
  json['@self'] = {
    id: object.uuid,
    slug: object.slug,
    // `empty(@self.name)` → uuid, applied after getObjectArray's own `name ?? uuid`.
    name: object.name ? object.name : object.uuid,
    // `$this->description ?? $this->id`: the internal numeric id, never set by the fake.
    description: object.id,
    summary: null,
    image: null,
    uri: object.uri,
    // No version bump exists in the development code: usually null, so stripped by show().
    version: null,
    // `?string $register` on the entity: numeric ids as strings.
    register: String(object.registerId),
    schema: String(object.schemaId),
    schemaVersion: null,
    files: [],
    relations: [],
    locked: null,
    owner: object.owner,
    organisation: object.organisation,
    groups: [],
    authorization: [],
    folder: null,
    application: null,
    validation: [],
    geo: [],
    retention: [],
    tmlo: [],
    size: object.size,
    updated: phpDate(object.updated),
    created: phpDate(object.created),
    // getDeleted() turns null into [].
    deleted: object.deleted ? { ...object.deleted } : [],
    source: null,
    mail: null,
    contacts: null,
    notes: null,
    todos: null,
    calendar: null,
    talk: null,
    deck: null,
  };
  json.id = object.uuid;
  return json;
}

/** `Register::jsonSerialize()` with the fake's defaults (ids are ints, `schemas` a list of ids). */
export function registerJson(register: StoredRegister, organisation: string): Record<string, unknown> {
  return {
    id: register.id,
    uuid: register.uuid,
    slug: register.slug,
    title: register.title,
    version: '0.0.1',
    description: null,
    schemas: [...register.schemas],
    source: null,
    tablePrefix: null,
    folder: null,
    updated: phpDate(register.created),
    created: phpDate(register.created),
    owner: null,
    application: null,
    organisation,
    authorization: null,
    groups: [],
    type: null,
    languages: [],
    configuration: [],
    published: null,
    depublished: null,
    deleted: null,
  };
}

/** `Schema::jsonSerialize()` plus the `@self.extendedBy` that `SchemasController::index` adds. */
export function schemaJson(schema: StoredSchema, organisation: string): Record<string, unknown> {
  return {
    id: schema.id,
    uuid: schema.uuid,
    uri: null,
    slug: schema.slug,
    title: schema.title,
    description: null,
    version: schema.version,
    summary: null,
    icon: null,
    required: [],
    properties: [],
    archive: [],
    source: null,
    hardValidation: false,
    immutable: false,
    appendOnly: false,
    searchable: true,
    updated: phpDate(schema.created),
    created: phpDate(schema.created),
    maxDepth: 0,
    owner: null,
    application: null,
    organisation,
    groups: [],
    authorization: [],
    deleted: null,
    published: null,
    depublished: null,
    configuration: schema.configuration,
    allOf: [],
    oneOf: [],
    anyOf: [],
    '@self': { extendedBy: [] },
  };
}

/** `AuditTrail::jsonSerialize()`: register/schema/object as ints, dates `format('c')`. */
export function auditJson(entry: AuditEntry): Record<string, unknown> {
  return { ...entry, created: phpDate(entry.created), expires: phpDate(entry.expires) };
}

/** `Webhook::jsonSerialize()`: the secret is never echoed, only `***` when one is set. */
export function webhookJson(webhook: StoredWebhook): Record<string, unknown> {
  const date = (value: Date | null) => (value ? phpDate(value) : null);
  return {
    id: webhook.id,
    uuid: webhook.uuid,
    name: webhook.name,
    url: webhook.url,
    method: webhook.method,
    events: [...webhook.events],
    headers: { ...webhook.headers },
    secret: webhook.secret !== null ? '***' : null,
    enabled: webhook.enabled,
    organisation: webhook.organisation,
    filters: { ...webhook.filters },
    retryPolicy: webhook.retryPolicy,
    maxRetries: webhook.maxRetries,
    timeout: webhook.timeout,
    lastTriggeredAt: date(webhook.lastTriggeredAt),
    lastSuccessAt: date(webhook.lastSuccessAt),
    lastFailureAt: date(webhook.lastFailureAt),
    totalDeliveries: webhook.totalDeliveries,
    successfulDeliveries: webhook.successfulDeliveries,
    failedDeliveries: webhook.failedDeliveries,
    created: phpDate(webhook.created),
    updated: phpDate(webhook.updated),
    configuration: { ...webhook.configuration },
    mapping: webhook.mapping,
  };
}
