import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CatchupHarness, catchupRead, handledChanges, handledOf, pushTo } from './support/catch-up.js';
import { waitFor } from './support/wait-for.js';
import { metricValue } from './support/test-app.js';

jest.setTimeout(60_000);

/** Catch-up from OpenRegister's change feed: what webhooks never bring reaches the handlers once. */
describe('catch-up from the change feed', () => {
  const h = new CatchupHarness();
  afterEach(() => h.close());

  it('runs a creation pushed and read once; an update, a soft delete and a purge, which only catch-up sees, once each', async () => {
    const or = await h.openRegister();
    const fake = or.fake;
    const { t, handled } = await h.app({ ADMIN_TOKEN: 'admin-token' });
    pushTo(fake, t);

    const uuid = await fake.createObject(or.register, or.schema, { titel: 'Melding', status: 'nieuw' });
    expect(fake.webhookDeliveries.map((delivery) => delivery.status)).toEqual([202]);
    await waitFor(async () => (await catchupRead(t, 'object.created')) === 1, { timeoutInMs: 20_000, what: 'catch-up to read the creation' });

    fake.updateObject(uuid, { status: 'in behandeling' });
    await waitFor(() => handledOf(handled, 'object.updated', uuid).length === 1, { timeoutInMs: 20_000, what: 'the update' });
    const [updated] = handledOf(handled, 'object.updated', uuid);
    expect(updated).toMatchObject({ source: 'catch-up', format: 'feed', register: String(or.register), schema: String(or.schema) });
    expect(updated.object?.data).toEqual({ titel: 'Melding', status: 'in behandeling' });
    expect(updated.previous?.data).toEqual({ titel: 'Melding', status: 'nieuw' });
    expect(updated.changes).toEqual([{ path: '/status', op: 'replace', oldValue: 'nieuw', newValue: 'in behandeling' }]);

    const deletion = fake.softDelete(uuid, { by: 'jan' });
    await waitFor(() => handledOf(handled, 'object.deleted', uuid).length === 1, { timeoutInMs: 20_000, what: 'the soft delete' });
    expect(handledOf(handled, 'object.deleted', uuid)[0]).toMatchObject({ source: 'catch-up', deletion: { deletedBy: 'jan' }, object: { data: { status: 'in behandeling' } } });
    expect(deletion).toMatchObject({ deletedBy: 'jan' });

    fake.purge(uuid);
    await waitFor(async () => (await catchupRead(t, 'object.deleted')) === 2, { timeoutInMs: 20_000, what: 'catch-up to read the purge' });
    await waitFor(async () => metricValue(await t.metrics(), 'webhook_queue_depth', { status: 'queued' }) === 0, { timeoutInMs: 20_000 });
    expect(handledChanges(handled)).toEqual([`object.created ${uuid}`, `object.updated ${uuid}`, `object.deleted ${uuid}`]);
    expect(handledOf(handled, 'object.created', uuid)[0].source).toBeUndefined();

    const metrics = await t.metrics();
    expect(metricValue(metrics, 'webhook_catchup_recovered_total', {})).toBe(2);
    expect(metricValue(metrics, 'webhook_catchup_up', {})).toBe(1);
    expect(metricValue(metrics, 'webhook_catchup_leader', {})).toBe(1);
    const listed = await fetch(`${t.url}/admin/deliveries`, { headers: { authorization: 'Bearer admin-token' } });
    const sources = ((await listed.json()) as { items: { eventType: string; source: string }[] }).items.map((item) => `${item.eventType} ${item.source}`);
    expect(sources.sort()).toEqual(['object.created webhook', 'object.deleted catch-up', 'object.updated catch-up']);
  });

  it('delivers what changed while the service was down once it is back, and nothing twice', async () => {
    const or = await h.openRegister();
    const fake = or.fake;
    const dataDir = h.dataDir();
    const env = { STORE_DRIVER: 'sqlite', DATA_DIR: dataDir };
    const first = await h.app(env);
    pushTo(fake, first.t);
    const before = await fake.createObject(or.register, or.schema, { titel: 'Voor' });
    await waitFor(() => first.handled.received.length === 1 && fake.feedEvents().length === 1, { timeoutInMs: 20_000 });
    await waitFor(async () => (await catchupRead(first.t, 'object.created')) === 1, { timeoutInMs: 20_000, what: 'the first creation read' });
    await h.stop(first.t);

    // The service is down: OpenRegister's webhook finds nobody and never tries again.
    const created = await fake.createObject(or.register, or.schema, { titel: 'Tijdens' });
    const doomed = await fake.createObject(or.register, or.schema, { titel: 'Weg' });
    fake.updateObject(before, { titel: 'Voor, bijgewerkt' });
    fake.softDelete(doomed);
    expect(fake.webhookDeliveries.slice(1).every((delivery) => delivery.error !== undefined)).toBe(true);

    const second = await h.app(env);
    await waitFor(() => second.handled.received.length === 4, { timeoutInMs: 20_000, what: 'the changes made while down' });
    expect(handledChanges(second.handled).sort()).toEqual([`object.created ${created}`, `object.created ${doomed}`, `object.deleted ${doomed}`, `object.updated ${before}`].sort());
    expect(handledOf(second.handled, 'object.updated', before)[0].previous?.data).toEqual({ titel: 'Voor' });
    await waitFor(async () => metricValue(await second.t.metrics(), 'webhook_queue_depth', { status: 'queued' }) === 0, { timeoutInMs: 20_000 });
    expect(second.handled.received).toHaveLength(4);
  });

  it('keeps taking webhooks and stays ready while OpenRegister refuses its credentials, and says which to fix', async () => {
    const or = await h.openRegister();
    const fake = or.fake;
    const { t } = await h.app({ OPENREGISTER_PASSWORD: 'revoked' }, { firstRead: false });
    await waitFor(() => t.logs.some((line) => String(line.msg).startsWith('Catch-up could not read OpenRegister')), { timeoutInMs: 20_000, what: 'the error line' });
    const line = t.logs.find((entry) => String(entry.msg).startsWith('Catch-up could not read OpenRegister'))!;
    expect(line).toMatchObject({ level: 'error', failure: 'unauthorized', status: 401 });
    expect(line.msg).toMatch(/answered 401.*check OPENREGISTER_USERNAME and OPENREGISTER_PASSWORD/);
    expect(JSON.stringify(t.logs)).not.toContain('revoked');
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    expect(metricValue(await t.metrics(), 'webhook_catchup_up', {})).toBe(0);
    pushTo(fake, t);
    await fake.createObject(or.register, or.schema, { titel: 'Toch' });
    expect(fake.webhookDeliveries.map((delivery) => delivery.status)).toEqual([202]);
  });

  it('waits as long as a 429 asks, then reads on and says so', async () => {
    const or = await h.openRegister();
    const fake = or.fake;
    fake.failNext(2, { status: 429, retryAfter: 1, path: /realtime/ });
    const { t, handled } = await h.app({}, { firstRead: false });
    await waitFor(() => t.logs.some((line) => line.msg === 'Catch-up reads OpenRegister again'), { timeoutInMs: 20_000, what: 'the recovery line' });
    expect(t.logs.filter((line) => String(line.msg).startsWith('Catch-up could not read'))).toHaveLength(1);
    const uuid = await fake.createObject(or.register, or.schema, { titel: 'Later' });
    await waitFor(() => handledOf(handled, 'object.created', uuid).length === 1, { timeoutInMs: 20_000 });
    const throttled = fake.requests.filter((request) => request.status === 429);
    expect(throttled).toHaveLength(2);
  });

  it('reads only the registers CATCHUP_REGISTERS names by slug, and names a slug OpenRegister does not know', async () => {
    const or = await h.openRegister();
    const fake = or.fake;
    const other = fake.addRegister({ slug: 'vergunningen' });
    const { handled } = await h.app({ CATCHUP_REGISTERS: 'meldingen' });
    const skipped = await fake.createObject(other, or.schema, { titel: 'Vergunning' });
    const taken = await fake.createObject(or.register, or.schema, { titel: 'Melding' });
    await waitFor(() => handledOf(handled, 'object.created', taken).length === 1, { timeoutInMs: 20_000 });
    expect(handledOf(handled, 'object.created', skipped)).toEqual([]);

    const wrong = await h.app({ CATCHUP_SCHEMAS: 'bestaat-niet' }, { firstRead: false });
    await waitFor(() => wrong.t.logs.some((line) => /CATCHUP_SCHEMAS names "bestaat-niet"/.test(String(line.msg))), { timeoutInMs: 20_000, what: 'the error naming CATCHUP_SCHEMAS' });
  });

  it('stops at once when shut down while OpenRegister does not answer', async () => {
    const or = await h.openRegister();
    const { t } = await h.app({ OPENREGISTER_TIMEOUT_MS: '600000' });
    or.fake.hang(/realtime\/events/);
    const asked = or.fake.requests.length;
    await waitFor(() => or.fake.requests.slice(asked).some((request) => request.url.includes('/realtime/events')), { timeoutInMs: 20_000, what: 'a read that hangs' });
    // Bounded by the test's own time limit: without the abort, close() would wait ten minutes for the answer.
    await h.stop(t);
    expect(t.logs.some((line) => String(line.msg).startsWith('Catch-up could not'))).toBe(false);
  });

  it('runs the handlers of pulled changes in inline mode too, and reads a page again until they succeed', async () => {
    const or = await h.openRegister();
    const { t, handled } = await h.app({ DELIVERY_MODE: 'inline' });
    handled.failWith = 'GIS is down';
    const uuid = await or.fake.createObject(or.register, or.schema, { titel: 'Inline' });
    await waitFor(() => t.logs.some((line) => String(line.msg).startsWith('Catch-up could not hand its changes over')), { timeoutInMs: 20_000, what: 'the failed hand-over' });
    expect(handled.received).toEqual([]);
    handled.failWith = undefined;
    await waitFor(() => handledOf(handled, 'object.created', uuid).length === 1, { timeoutInMs: 20_000, what: 'the creation once the handler works' });
    await waitFor(() => t.logs.some((line) => line.msg === 'Catch-up reads OpenRegister again'), { timeoutInMs: 20_000 });
    expect(handledOf(handled, 'object.created', uuid)).toHaveLength(1);
  });
});
