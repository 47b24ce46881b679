import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CatchupHarness, catchupRead, handledChanges, handledOf } from './support/catch-up.js';
import { waitFor } from './support/wait-for.js';
import { TestClock } from './support/test-app.js';

jest.setTimeout(60_000);

const DAY_IN_MS = 24 * 3_600_000;

/** Where OpenRegister has no change feed, or the feed no longer reaches back far enough, catch-up reads the audit trail. */
describe('catch-up from the audit trail', () => {
  const h = new CatchupHarness();
  afterEach(() => h.close());

  it('stands in for a missing feed (404): creations, updates with their audited changes, soft deletes; purges it cannot see', async () => {
    const or = await h.openRegister({ feedAvailable: false });
    const fake = or.fake;
    const { t, handled } = await h.app();
    expect(t.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('OpenRegister has no change feed') }));

    const uuid = await fake.createObject(or.register, or.schema, { titel: 'Melding', status: 'nieuw' });
    await waitFor(() => handledOf(handled, 'object.created', uuid).length === 1, { timeoutInMs: 20_000, what: 'the creation' });
    expect(handledOf(handled, 'object.created', uuid)[0]).toMatchObject({ source: 'catch-up', format: 'audit-trail', object: { data: { titel: 'Melding', status: 'nieuw' } } });

    fake.updateObject(uuid, { status: 'klaar' });
    await waitFor(() => handledOf(handled, 'object.updated', uuid).length === 1, { timeoutInMs: 20_000, what: 'the update' });
    const [updated] = handledOf(handled, 'object.updated', uuid);
    expect(updated.changes).toEqual([{ path: '/status', op: 'replace', oldValue: 'nieuw', newValue: 'klaar' }]);
    expect(updated.previous?.data).toEqual({ titel: 'Melding', status: 'nieuw' });

    fake.softDelete(uuid, { by: 'jan' });
    await waitFor(() => handledOf(handled, 'object.deleted', uuid).length === 1, { timeoutInMs: 20_000, what: 'the soft delete' });
    expect(handledOf(handled, 'object.deleted', uuid)[0]).toMatchObject({ format: 'audit-trail', deletion: { deletedBy: 'jan' } });

    fake.purge(uuid);
    const next = await fake.createObject(or.register, or.schema, { titel: 'Volgende' });
    await waitFor(() => handledOf(handled, 'object.created', next).length === 1, { timeoutInMs: 20_000, what: 'the next creation' });
    expect(handledChanges(handled)).toEqual([`object.created ${uuid}`, `object.updated ${uuid}`, `object.deleted ${uuid}`, `object.created ${next}`]);
    // Every object catch-up fetched wrote a `read` entry to the audit trail; none of them became an event.
    expect(fake.auditEntries().some((entry) => entry.action === 'read')).toBe(true);
  });

  it('covers a gap longer than the feed keeps from the audit trail, then goes on with the feed', async () => {
    const or = await h.openRegister();
    const fake = or.fake;
    const dataDir = h.dataDir();
    const env = { STORE_DRIVER: 'sqlite', DATA_DIR: dataDir };
    const first = await h.app(env);
    await h.stop(first.t);

    // Eight days away: OpenRegister's retention job has removed the feed entries of that time.
    const lost = await fake.createObject(or.register, or.schema, { titel: 'Tijdens' });
    fake.updateObject(lost, { titel: 'Tijdens, bijgewerkt' });
    fake.pruneFeed(fake.feedEvents().length + 1);
    expect(fake.feedEvents()).toEqual([]);

    const { t, handled } = await h.app(env, { clock: new TestClock(Date.now() + 8 * DAY_IN_MS) });
    await waitFor(() => handled.received.length === 2, { timeoutInMs: 20_000, what: 'the gap read from the audit trail' });
    expect(t.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('longer ago than OpenRegister keeps it') }));
    expect(handledChanges(handled)).toEqual([`object.created ${lost}`, `object.updated ${lost}`]);
    expect(handled.received.map(({ event }) => event.format)).toEqual(['audit-trail', 'audit-trail']);
    // Each audited change as it was: the creation's own state, then the update from it.
    expect(handled.received[0].event.object?.data).toEqual({ titel: 'Tijdens' });
    expect(handled.received[1].event.changes).toEqual([{ path: '/titel', op: 'replace', oldValue: 'Tijdens', newValue: 'Tijdens, bijgewerkt' }]);

    const after = await fake.createObject(or.register, or.schema, { titel: 'Daarna' });
    await waitFor(async () => (await catchupRead(t, 'object.created')) === 2, { timeoutInMs: 20_000, what: 'the feed again' });
    await waitFor(() => handledOf(handled, 'object.created', after).length === 1, { timeoutInMs: 20_000 });
    expect(handledOf(handled, 'object.created', after)[0].format).toBe('feed');
    expect(t.logs.filter((line) => String(line.msg).includes('longer ago than OpenRegister keeps it'))).toHaveLength(1);
  });
});
