import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFixture } from './support/fixtures.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { sql } from './support/postgres-store.js';
import { admin, deliver, LEASE_SECONDS, Replica, startReplica, stopAll, Stream } from './support/replicas.js';
import { createdBodyFor, FIXTURE_OBJECT_UUID } from './support/signed-deliveries.js';

jest.setTimeout(60_000);

const UPDATED = loadFixture('openregister-object-updated').body.toString('utf8');

/** An update of object `uuid` to version `1.0.<n>`, as OpenRegister would sign it. */
function updatedBodyFor(uuid: string, n: number): string {
  return UPDATED.replaceAll(FIXTURE_OBJECT_UUID, uuid).replace('"version":"1.0.3"', `"version":"1.0.${n}"`);
}

/**
 * Three built service processes on one PostgreSQL database, as three pods behind a Service:
 * crashes, races between replicas, per-object order, a rolling replacement, dead letters.
 */
describe('three replicas on one PostgreSQL database', () => {
  let db: TestDatabase;
  let target: ForwardTarget;
  let dataDir: string;
  let replicas: Replica[] = [];
  let started = 0;
  /** Streams a test started: stopped after it even when it failed half-way. */
  let streams: Stream[] = [];
  const stream = (concurrency: number) => {
    const started = new Stream([...replicas], () => createdBodyFor(randomUUID()), concurrency).start();
    streams.push(started);
    return started;
  };

  const startOne = () => startReplica(`r${++started}`, db.url, target.url, { DATA_DIR: dataDir });
  /** Which replica's handler made a forwarded request (each forwards to `/hook/<name>`). */
  const sender = (path: string) => path.split('/').pop();
  /** The acknowledged deliveries among `ids` that the store has as succeeded. */
  const succeeded = async (ids: string[]) => (await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM deliveries WHERE id = ANY($1) AND status = 'succeeded'`, [ids]))[0].n;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orw-replicas-'));
    [db, target] = await Promise.all([createTestDatabase('orw_replicas'), ForwardTarget.start()]);
    // The first one alone creates the schema; the other two start together on it.
    replicas.push(await startOne());
    replicas.push(...(await Promise.all([startOne(), startOne()])));
  }, 90_000);

  afterEach(async () => {
    await Promise.all(streams.map((started) => started.stop()));
    streams = [];
    target.behaviour = () => ({ status: 200 });
    // A test that stopped a replica leaves it stopped: the next one starts with three again.
    const alive = replicas.filter(({ service }) => service.child.exitCode === null && service.child.signalCode === null);
    await stopAll(replicas.filter((replica) => !alive.includes(replica)));
    replicas = [...alive, ...(await Promise.all(Array.from({ length: 3 - alive.length }, startOne)))];
  }, 60_000);

  afterAll(async () => {
    await stopAll(replicas);
    await target?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged delivery when a replica is SIGKILLed under load; its running ones finish elsewhere within the lease', async () => {
    target.behaviour = () => ({ status: 200, delayInMs: 100 });
    const [victim, ...survivors] = replicas;
    const load = stream(6);
    const pendingOn = (name: string) => target.received.filter((request) => sender(request.path) === name && request.answeredAt === undefined);
    await waitFor(() => target.received.filter((request) => sender(request.path) === victim.name).length >= 30 && pendingOn(victim.name).length >= 3, { timeoutInMs: 20_000, what: 'the victim to be running deliveries' });

    // Its handlers had not been answered: the victim cannot have finished these.
    const runningAtKill = new Set(pendingOn(victim.name).map((request) => request.webhookId));
    const killedAt = Date.now();
    victim.service.kill('SIGKILL');
    // The Service stops sending to it (its readiness probe fails); what it was sent meanwhile went unanswered.
    load.live = survivors;
    await victim.service.exit();
    const answeredBefore = load.answers.length;
    await waitFor(() => load.answers.length >= answeredBefore + 60, { timeoutInMs: 20_000, what: 'more deliveries after the crash' });
    const answers = await load.stop();

    // Every delivery got a 202, except those the victim was answering when it died (no answer at all).
    expect(answers.filter((answer) => answer.status !== 202 && !(answer.status === 0 && answer.replica === victim.name))).toEqual([]);
    const acknowledged = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.deliveryId);
    expect(acknowledged.length).toBeGreaterThan(100);
    await waitFor(async () => (await succeeded(acknowledged)) === acknowledged.length, { timeoutInMs: 30_000, what: 'every acknowledged delivery to succeed' });
    expect(acknowledged.every((id) => target.received.some((request) => request.webhookId === id && request.answeredAt !== undefined))).toBe(true);

    // What the victim was running ran again on a survivor, once its lease lapsed (plus a margin for the machine).
    expect(runningAtKill.size).toBeGreaterThan(0);
    for (const id of runningAtKill) {
      const rerun = target.received.find((request) => request.webhookId === id && request.receivedAt > killedAt && sender(request.path) !== victim.name);
      expect(rerun).toBeDefined();
      expect(rerun!.receivedAt - killedAt).toBeLessThan(LEASE_SECONDS * 1000 + 3000);
    }
  });

  it('accepts the same change sent to two replicas at the same moment once; the other answers duplicate naming it', async () => {
    const uuids = Array.from({ length: 20 }, () => randomUUID());
    const pairs = await Promise.all(uuids.map((uuid, i) => Promise.all([deliver(replicas[i % 3], createdBodyFor(uuid)), deliver(replicas[(i + 1) % 3], createdBodyFor(uuid))])));

    const accepted: string[] = [];
    for (const pair of pairs) {
      expect(pair.map((answer) => answer.status).sort()).toEqual([200, 202]);
      const [first, second] = pair[0].status === 202 ? pair : [pair[1], pair[0]];
      expect(first.body).toEqual({ status: 'accepted', deliveryId: expect.any(String) });
      expect(second.body).toEqual({ status: 'duplicate', deliveryId: expect.any(String), originalDeliveryId: first.body.deliveryId });
      accepted.push(first.body.deliveryId);
    }
    await waitFor(async () => (await succeeded(accepted)) === accepted.length, { timeoutInMs: 20_000, what: 'the accepted deliveries to succeed' });
    // One stored delivery per change, so nothing is left to run a second time.
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM deliveries WHERE object_key = ANY($1)', [uuids])).toEqual([{ n: uuids.length }]);
    for (const uuid of uuids) expect(target.received.filter((request) => request.body.event.object.uuid === uuid)).toHaveLength(1);
  });

  it('runs a create acknowledged by one replica before an update acknowledged by another, even when the create is retried', async () => {
    // Every object's create fails once, so its update (already acknowledged elsewhere) must wait for the retry.
    const failedOnce = new Set<string>();
    target.behaviour = ({ body }) => {
      const uuid = body.event.object.uuid as string;
      if (body.event.type === 'object.created' && !failedOnce.has(uuid)) {
        failedOnce.add(uuid);
        return { status: 500 };
      }
      return { status: 200 };
    };
    const objects = Array.from({ length: 6 }, () => randomUUID());
    await Promise.all(
      objects.map(async (uuid, i) => {
        expect((await deliver(replicas[i % 3], createdBodyFor(uuid))).status).toBe(202);
        expect((await deliver(replicas[(i + 1) % 3], updatedBodyFor(uuid, 4))).status).toBe(202);
        expect((await deliver(replicas[(i + 2) % 3], updatedBodyFor(uuid, 5))).status).toBe(202);
      }),
    );
    const updates = () => target.received.filter((request) => objects.includes(request.body.event.object.uuid) && request.body.event.type === 'object.updated');
    await waitFor(() => updates().length === objects.length * 2, { timeoutInMs: 20_000, what: 'all updates' });

    for (const uuid of objects) {
      const sequence = target.received
        .filter((request) => request.body.event.object.uuid === uuid)
        .map((request) => `${request.body.event.type as string}@${(request.body.event.object.meta.version as string) ?? ''}`);
      expect(sequence).toEqual(['object.created@1.0.2', 'object.created@1.0.2', 'object.updated@1.0.4', 'object.updated@1.0.5']);
    }
  });

  it('answers every delivery 2xx and handles each while a replica is replaced under a steady stream', async () => {
    target.behaviour = () => ({ status: 200, delayInMs: 20 });
    const [old, ...others] = replicas;
    const load = stream(4);
    await waitFor(() => load.answers.filter((answer) => answer.replica === old.name).length >= 20, { timeoutInMs: 20_000, what: 'the old replica to take deliveries' });

    // As Kubernetes does: the pod leaves the endpoints, its preStop pause lets what it was sent be answered, then SIGTERM.
    load.live = others;
    await waitFor(() => (load.inFlight.get(old.name) ?? 0) === 0, { timeoutInMs: 10_000, what: 'the old replica to answer what it was sent' });
    old.service.kill('SIGTERM');
    const [exit, replacement] = await Promise.all([old.service.exit(), startOne()]);
    // Nest re-raises the signal once its shutdown hooks are done, so the exit is by SIGTERM.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(old.service.stderr).toBe('');
    replicas = [replacement, ...others];
    load.live = replicas;
    await waitFor(() => load.answers.filter((answer) => answer.replica === replacement.name).length >= 20, { timeoutInMs: 20_000, what: 'the new replica to take deliveries' });
    const answers = await load.stop();

    expect(answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const acknowledged = answers.map((answer) => answer.body.deliveryId);
    await waitFor(async () => (await succeeded(acknowledged)) === acknowledged.length, { timeoutInMs: 20_000, what: 'every delivery to succeed' });
    expect(acknowledged.every((id) => target.ids().has(id))).toBe(true);
  });

  it('lists a dead letter made on one replica from another, replays it from a third, and it then succeeds', async () => {
    const uuid = randomUUID();
    let failing = true;
    target.behaviour = ({ body }) => ({ status: body.event.object.uuid === uuid && failing ? 500 : 200 });
    const [maker, lister, replayer] = replicas;
    const { body } = await deliver(maker, createdBodyFor(uuid));
    const id = body.deliveryId;

    await waitFor(async () => (await admin(lister, 'GET', '?status=dead')).body.items.some((item: { id: string }) => item.id === id), { timeoutInMs: 20_000, what: 'the dead letter to be listed' });
    const dead = (await admin(lister, 'GET', `/${id}`)).body;
    expect(dead).toMatchObject({ id, status: 'dead', attempts: 8, objectUuid: uuid });
    expect(dead.history.map((attempt: { outcome: string }) => attempt.outcome)).toEqual(Array(8).fill('failed'));

    failing = false;
    expect(await admin(replayer, 'POST', `/${id}/replay`)).toEqual({ status: 202, body: { status: 'queued', id } });
    await waitFor(async () => (await admin(lister, 'GET', `/${id}`)).body.status === 'succeeded', { timeoutInMs: 20_000, what: 'the replay to succeed' });
    const replayed = (await admin(maker, 'GET', `/${id}`)).body;
    expect(replayed.history.map((attempt: { outcome: string }) => attempt.outcome)).toEqual([...Array(8).fill('failed'), 'succeeded']);
    expect(target.received.filter((request) => request.webhookId === id)).toHaveLength(9);
  });
});
