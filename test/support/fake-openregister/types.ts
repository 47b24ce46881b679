/** The records the fake keeps; each mirrors one OpenRegister table or log. */

export interface StoredRegister {
  id: number;
  uuid: string;
  slug: string;
  title: string;
  schemas: number[];
  created: Date;
}

export interface StoredSchema {
  id: number;
  uuid: string;
  slug: string;
  title: string;
  version: string;
  configuration: Record<string, unknown>;
  created: Date;
}

/** `@self.deleted` as `DeleteObject::delete()` writes it. */
export interface DeletionInfo {
  deletedBy: string;
  deletedAt: string;
  objectId: string;
  organisation: string | null;
}

/** One row of an object table: the entity before `jsonSerialize()`. */
export interface StoredObject {
  /** The internal numeric id (`@self.description` falls back to it, audit `object` holds it). */
  id: number;
  uuid: string;
  registerId: number;
  schemaId: number;
  /** User fields, in insertion order. */
  fields: Record<string, unknown>;
  name: string | null;
  slug: string | null;
  uri: string;
  owner: string | null;
  organisation: string | null;
  size: string | null;
  created: Date;
  updated: Date;
  deleted: DeletionInfo | null;
}

export type FeedEventType = 'or.object.created' | 'or.object.updated' | 'or.object.deleted' | 'or.object.transitioned';

/** A row of `openregister_realtime_events`: the payload RealtimeService stored, plus its id and row time. */
export interface FeedEvent {
  cursor: number;
  createdAt: Date;
  organisation: string;
  registerId: string;
  schemaId: string;
  objectUuid: string;
  type: FeedEventType;
  payload: Record<string, unknown>;
}

/** A row of `openregister_audit_trails`, in `AuditTrail::jsonSerialize()` key order. */
export interface AuditEntry {
  id: number;
  uuid: string;
  schema: number;
  register: number;
  object: number;
  objectUuid: string;
  registerUuid: null;
  schemaUuid: null;
  action: string;
  changed: Record<string, unknown> | unknown[];
  user: string;
  userName: string;
  session: string;
  request: string;
  ipAddress: string;
  version: null;
  created: Date;
  organisationId: null;
  organisationIdType: null;
  processingActivityId: null;
  processingActivityUrl: null;
  processingId: null;
  confidentiality: null;
  retentionPeriod: null;
  size: number;
  expires: Date;
  hash: null;
  previousHash: null;
}

export interface StoredWebhook {
  id: number;
  uuid: string;
  name: string;
  url: string;
  method: string;
  events: string[];
  headers: Record<string, string>;
  secret: string | null;
  enabled: boolean;
  organisation: string | null;
  filters: Record<string, unknown>;
  retryPolicy: string;
  maxRetries: number;
  /** Seconds, Guzzle's `timeout` option. */
  timeout: number;
  configuration: Record<string, unknown>;
  mapping: number | null;
  lastTriggeredAt: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  totalDeliveries: number;
  successfulDeliveries: number;
  failedDeliveries: number;
  created: Date;
  updated: Date;
}

/** One attempt of OpenRegister's webhook service to POST an envelope. */
export interface WebhookDelivery {
  webhookId: number;
  url: string;
  event: string;
  /** The exact bytes sent (and signed). */
  body: string;
  headers: Record<string, string>;
  /** The receiver's status: any status counts as delivered (`http_errors => false`). */
  status?: number;
  /** Set when no answer came (refused, timeout): the event is lost, nothing is retried. */
  error?: string;
  delivered: boolean;
}

/** One request the fake received. */
export interface LoggedRequest {
  method: string;
  /** Path and query as sent, e.g. `/index.php/apps/openregister/api/realtime/events?since=3`. */
  url: string;
  /** The Basic-auth user that logged in, or null (none sent, or wrong credentials). */
  user: string | null;
  headers: Record<string, string | string[] | undefined>;
  /** Whether `Accept-Encoding` asked for gzip (Nextcloud then gzips every 200 JSON answer). */
  acceptsGzip: boolean;
  /** The status answered, unset while hanging. */
  status?: number;
  /** The `Content-Encoding` answered. */
  contentEncoding?: string;
}
