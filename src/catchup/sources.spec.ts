import { describe, expect, it } from '@jest/globals';
import { AuditTrailSource, MAX_AUDIT_ENTRIES_PER_WALK } from './audit-trail.source.js';
import { ChangeFeedSource } from './change-feed.source.js';
import type { OpenRegisterClient } from './openregister-client.js';

/** A client answering each path with `answer(path)`, recording the paths. */
function client(answer: (path: string) => unknown) {
  const paths: string[] = [];
  return { paths, client: { get: async (path: string) => (paths.push(path), answer(path)) } as unknown as OpenRegisterClient };
}

const feedEvent = (cursor: number, type: string, uuid = `u${cursor}`) => ({
  specversion: '1.0',
  type,
  source: 'https://nc.example.org/apps/openregister',
  subject: `urn:nl-or:x:r:s:${uuid}`,
  id: 'a'.repeat(32),
  time: '2026-05-15T11:40:44+02:00',
  datacontenttype: 'application/json',
  data: { register: '3', schema: '7', uuid, urn: null, organisation: 'org', owner: 'admin', actor: 'jan', extra: [] },
  _cursor: cursor,
});

describe('ChangeFeedSource', () => {
  it('reads changes after a cursor, skipping transitions (their update entry carries the change), and moves to the last cursor', async () => {
    const { client: feed, paths } = client(() => ({
      events: [feedEvent(11, 'or.object.created'), feedEvent(12, 'or.object.updated'), feedEvent(13, 'or.object.transitioned'), feedEvent(14, 'or.object.deleted')],
      cursor: 14,
      hasMore: true,
    }));
    const page = await new ChangeFeedSource(feed).read(10, 4, { register: '3' });
    expect(paths).toEqual(['/realtime/events?since=10&limit=4&register=3']);
    expect(page.changes.map((change) => [change.kind, change.uuid, change.position])).toEqual([
      ['created', 'u11', 11],
      ['updated', 'u12', 12],
      ['deleted', 'u14', 14],
    ]);
    expect(page.changes[0]).toMatchObject({ register: '3', schema: '7', actor: 'jan', occurredAt: '2026-05-15T11:40:44+02:00' });
    expect(page).toMatchObject({ position: 14, hasMore: true });
  });

  it('stays at its cursor when nothing is new', async () => {
    const page = await new ChangeFeedSource(client(() => ({ events: [], cursor: 10, hasMore: false })).client).read(10, 100);
    expect(page).toEqual({ changes: [], position: 10, hasMore: false });
  });

  it('refuses an answer without an events list, or a cursor that is no whole number', async () => {
    await expect(new ChangeFeedSource(client(() => ({ cursor: 1 })).client).read(0, 1)).rejects.toMatchObject({ failure: 'invalid' });
    await expect(new ChangeFeedSource(client(() => ({ cursor: 'x' })).client).currentCursor()).rejects.toMatchObject({ failure: 'invalid' });
  });
});

/** An audit trail of entries 1..n, ascending whatever is asked (as OpenRegister's is), paged by _limit/_offset. */
function auditTrail(n: number) {
  const entries = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    objectUuid: `u${i + 1}`,
    register: 3,
    schema: 7,
    action: ['create', 'update', 'delete'][i % 3],
    changed: i % 3 === 1 ? { title: { old: 'a', new: 'b' } } : [],
    user: 'jan',
    created: new Date(Date.UTC(2026, 4, 15, 10, 0, i)).toISOString(),
  }));
  return client((path) => {
    const query = new URL(path, 'http://x').searchParams;
    const limit = Number(query.get('_limit'));
    const offset = Number(query.get('_offset'));
    return { results: entries.slice(offset, offset + limit), total: entries.length, page: null, pages: Math.ceil(n / limit), limit, offset };
  });
}

describe('AuditTrailSource', () => {
  it('finds the newest entry id from the end of the ascending list', async () => {
    expect(await new AuditTrailSource(auditTrail(42).client).newestId()).toBe(42);
    expect(await new AuditTrailSource(auditTrail(0).client).newestId()).toBe(0);
  });

  it('walks back from the end to the checkpoint, then hands the entries over oldest first', async () => {
    const { client: audit, paths } = auditTrail(25);
    const page = await new AuditTrailSource(audit).read({ afterId: 12 }, 5);
    expect(page.changes.map((change) => change.position)).toEqual([13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(page.newestId).toBe(25);
    expect(paths.slice(1)).toEqual(['_offset=20', '_offset=15', '_offset=10'].map((offset) => `/audit-trails?action=create,update,delete&_limit=5&${offset}`));
    expect(page.changes.map((change) => change.kind).slice(0, 3)).toEqual(['created', 'updated', 'deleted']);
    expect(page.changes[1].changed).toEqual({ title: { old: 'a', new: 'b' } });
    expect(page.changes[0].changed).toBeUndefined();
  });

  it('stops at a time instead, for a gap in the change feed', async () => {
    const page = await new AuditTrailSource(auditTrail(10).client).read({ since: Date.UTC(2026, 4, 15, 10, 0, 7) }, 4);
    expect(page.changes.map((change) => change.position)).toEqual([8, 9, 10]);
  });

  it('keeps the checkpoint when nothing is new', async () => {
    const page = await new AuditTrailSource(auditTrail(5).client).read({ afterId: 5 }, 100);
    expect(page).toMatchObject({ changes: [], newestId: 5 });
  });

  it('says how many entries it could not walk back to', async () => {
    const lost: number[] = [];
    const pageSize = 1000;
    const { client: audit } = auditTrail(MAX_AUDIT_ENTRIES_PER_WALK + 2 * pageSize);
    const page = await new AuditTrailSource(audit).read({ afterId: 0 }, pageSize, (entries) => lost.push(entries));
    expect(lost).toEqual([2 * pageSize]);
    expect(page.changes[0].position).toBe(2 * pageSize + 1);
  });
});
