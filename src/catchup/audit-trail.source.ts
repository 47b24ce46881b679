import { text } from '../events/openregister-object.js';
import { asJsonObject, isJsonObject, JsonObject } from '../events/safe-object.js';
import type { ChangePage, ObservedChange } from './observed-change.js';
import { OpenRegisterClient, OpenRegisterError } from './openregister-client.js';

const ACTIONS: Record<string, ObservedChange['kind']> = { create: 'created', update: 'updated', delete: 'deleted' };

/** Entries one walk collects at most; past it the oldest ones are reported lost (see `read`). */
export const MAX_AUDIT_ENTRIES_PER_WALK = 50_000;

/** Where the walk back stops: at the checkpoint's entry id, or (after a feed gap) at a time. */
export type AuditStop = { afterId: number } | { since: number };

/**
 * OpenRegister's audit trail (every build, on by default), the fallback where the change feed is
 * missing. Its list sorts ascending by creation whatever direction is asked, and has no id or date
 * filter, so the new entries are at its end: this reads pages from the end backwards until it
 * reaches the checkpoint, then hands them over oldest first, deduplicated by entry id. It cannot
 * see what writes no entry: bulk imports and purges from the trash; entries expire after 30 days.
 */
export class AuditTrailSource {
  constructor(private readonly client: OpenRegisterClient) {}

  /** The id of the newest entry (0 when there is none): where a first start from `now` begins. */
  async newestId(): Promise<number> {
    const { total } = await this.page(1, 0);
    if (total === 0) return 0;
    const { entries } = await this.page(1, total - 1);
    return entries.reduce((max, entry) => Math.max(max, idOf(entry)), 0);
  }

  /**
   * The changes after `stop`, oldest first, with the newest entry id as the next checkpoint.
   * @param onLost told how many entries past MAX_AUDIT_ENTRIES_PER_WALK could not be read.
   */
  async read(stop: AuditStop, pageSize: number, onLost: (entries: number) => void = () => undefined): Promise<ChangePage & { newestId: number }> {
    const { total } = await this.page(1, 0);
    const byId = new Map<number, JsonObject>();
    let offset = total;
    let reached = total === 0;
    while (!reached && offset > 0 && byId.size < MAX_AUDIT_ENTRIES_PER_WALK) {
      const limit = Math.min(pageSize, offset);
      offset -= limit;
      const { entries } = await this.page(limit, offset);
      for (const entry of entries) {
        if (isPast(entry, stop)) reached = true;
        else byId.set(idOf(entry), entry);
      }
    }
    if (!reached && offset > 0) onLost(offset);
    const entries = [...byId.values()].sort((a, b) => idOf(a) - idOf(b));
    const changes = entries.flatMap((entry) => changeOf(entry) ?? []);
    const newestId = entries.reduce((max, entry) => Math.max(max, idOf(entry)), 'afterId' in stop ? stop.afterId : 0);
    return { changes, position: newestId, newestId, hasMore: false };
  }

  private async page(limit: number, offset: number): Promise<{ total: number; entries: JsonObject[] }> {
    const body = await this.client.get(`/audit-trails?action=create,update,delete&_limit=${limit}&_offset=${offset}`);
    const total = Number(body.total);
    if (!Array.isArray(body.results) || !Number.isSafeInteger(total)) {
      throw new OpenRegisterError('invalid', 'GET /audit-trails answered without results and a total');
    }
    return { total, entries: body.results.filter(isJsonObject).filter((entry) => Number.isSafeInteger(idOf(entry))) };
  }
}

function isPast(entry: JsonObject, stop: AuditStop): boolean {
  if ('afterId' in stop) return idOf(entry) <= stop.afterId;
  const created = Date.parse(String(entry.created));
  return !Number.isNaN(created) && created < stop.since;
}

function idOf(entry: JsonObject): number {
  return Number(entry.id);
}

function changeOf(entry: JsonObject): ObservedChange | undefined {
  const kind = ACTIONS[String(entry.action)];
  const uuid = text(entry.objectUuid);
  if (!kind || !uuid) return undefined;
  const changed = asJsonObject(entry.changed);
  return {
    kind,
    uuid,
    register: text(entry.register) ?? '',
    schema: text(entry.schema) ?? '',
    occurredAt: text(entry.created) ?? '',
    actor: text(entry.user),
    ...(changed && Object.keys(changed).length > 0 ? { changed } : {}),
    position: idOf(entry),
  };
}
