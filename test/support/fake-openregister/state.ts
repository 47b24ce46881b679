import { randomUUID } from 'node:crypto';
import { FakeClock } from './clock.js';
import type { AuditEntry, FeedEvent, LoggedRequest, StoredObject, StoredRegister, StoredSchema, StoredWebhook, WebhookDelivery } from './types.js';

/** Who performs a write: a Nextcloud uid, or null for no user session (background job, CLI). */
export type Actor = string | null;

export interface StoreSettings {
  clock: FakeClock;
  /**
   * The one organisation every user has active. OpenRegister scopes the feed to the caller's
   * active organisation (and objects to theirs); the fake has a single organisation, so scoping
   * never hides anything. Multi-organisation setups are left out on purpose.
   */
  organisation: string;
  /** The default actor of control-API writes: the configured user. */
  defaultActor: string;
}

/** Everything the fake OpenRegister holds: its tables, logs and id sequences. */
export class FakeStore {
  readonly registers = new Map<number, StoredRegister>();
  readonly schemas = new Map<number, StoredSchema>();
  /** Live and soft-deleted objects by uuid; a purge removes the row. */
  readonly objects = new Map<string, StoredObject>();
  readonly events: FeedEvent[] = [];
  readonly audit: AuditEntry[] = [];
  readonly webhooks: StoredWebhook[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly requests: LoggedRequest[] = [];
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl = '';
  private readonly sequences = { register: 0, schema: 0, object: 0, event: 0, audit: 0, webhook: 0 };

  constructor(readonly settings: StoreSettings) {}

  get clock(): FakeClock {
    return this.settings.clock;
  }

  nextId(table: keyof FakeStore['sequences']): number {
    return ++this.sequences[table];
  }

  addRegister(input: { slug: string; title?: string; schemas?: number[] }): number {
    const id = this.nextId('register');
    this.registers.set(id, { id, uuid: randomUUID(), slug: input.slug, title: input.title ?? input.slug, schemas: [...(input.schemas ?? [])], created: this.clock.now() });
    return id;
  }

  /** `register`: a register whose `schemas` list gets this schema. */
  addSchema(input: { slug: string; title?: string; version?: string; configuration?: Record<string, unknown>; register?: number }): number {
    const id = this.nextId('schema');
    this.schemas.set(id, { id, uuid: randomUUID(), slug: input.slug, title: input.title ?? input.slug, version: input.version ?? '0.0.1', configuration: input.configuration ?? {}, created: this.clock.now() });
    if (input.register !== undefined) this.registerById(input.register).schemas.push(id);
    return id;
  }

  registerById(id: number): StoredRegister {
    const register = this.registers.get(id);
    if (!register) throw new Error(`fake OpenRegister: no register ${id}`);
    return register;
  }

  schemaById(id: number): StoredSchema {
    const schema = this.schemas.get(id);
    if (!schema) throw new Error(`fake OpenRegister: no schema ${id}`);
    return schema;
  }

  /** `RegisterMapper::find()`: numeric id, uuid, or slug (case-insensitive). */
  findRegister(reference: string): StoredRegister | undefined {
    return findByReference([...this.registers.values()], reference);
  }

  findSchema(reference: string): StoredSchema | undefined {
    return findByReference([...this.schemas.values()], reference);
  }

  objectByUuid(uuid: string): StoredObject {
    const object = this.objects.get(uuid);
    if (!object) throw new Error(`fake OpenRegister: no object ${uuid}`);
    return object;
  }

  /**
   * `UrnService::buildForObject()`: `urn:nl-or:{instance}:{register}:{schema}:{uuid}` lower-cased,
   * the instance slug being the sanitised host of the server's own URL (`127-0-0-1`).
   */
  urnFor(object: StoredObject): string | null {
    const register = this.registers.get(object.registerId);
    const schema = this.schemas.get(object.schemaId);
    if (!register || !schema) return null;
    const host = new URL(this.baseUrl || 'http://localhost').hostname;
    const instance = host.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    return ['urn', 'nl-or', instance, register.slug, schema.slug, object.uuid].join(':').toLowerCase();
  }
}

function findByReference<T extends { id: number; uuid: string; slug: string }>(rows: T[], reference: string): T | undefined {
  const lower = reference.toLowerCase();
  return rows.find((row) => row.uuid === reference || row.slug.toLowerCase() === lower || (/^\d+$/.test(reference) && row.id === Number(reference)));
}
