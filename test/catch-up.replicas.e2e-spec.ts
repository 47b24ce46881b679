import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { catchupEnv, startOpenRegister } from './support/catch-up.js';
import type { FakeOpenRegister } from './support/fake-openregister.js';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { Replica, startReplica, stopAll } from './support/replicas.js';
import { metricValue } from './support/test-app.js';

jest.setTimeout(90_000);

/** `type uuid` of every event the replicas forwarded, and which replica ran it. */
const forwarded = (target: ForwardTarget) =>
  target.received.map((request) => ({ change: `${request.body.event.type} ${request.body.event.object.uuid}`, replica: request.path.slice(1), source: request.body.event.source }));

async function isLeader(replica: Replica): Promise<boolean> {
  return metricValue(await (await fetch(`${replica.service.url}/metrics`)).text(), 'webhook_catchup_leader', {}) === 1;
}

/** The reader has read OpenRegister once: its checkpoint stands at OpenRegister's end as it was then. */
async function hasRead(replica: Replica): Promise<boolean> {
  return metricValue(await (await fetch(`${replica.service.url}/metrics`)).text(), 'webhook_catchup_up', {}) === 1;
}

/**
 * Two built service processes with catch-up on, sharing one PostgreSQL database: one reads
 * OpenRegister at a time, every change reaches the handlers once, and when the reader stops the
 * other takes over where it left off.
 */
describe('catch-up on two replicas sharing PostgreSQL', () => {
  let db: TestDatabase;
  let target: ForwardTarget;
  let fake: FakeOpenRegister;
  let ids: { register: number; schema: number };
  let replicas: Replica[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    target = await ForwardTarget.start();
    const or = await startOpenRegister();
    fake = or.fake;
    ids = or;
  });
  afterAll(async () => {
    await stopAll(replicas);
    await target?.close();
    await fake?.close();
    await db?.drop();
  });

  it('reads on one replica at a time, runs each change once, and hands over when the reader stops', async () => {
    const env = { ...catchupEnv(fake, { CATCHUP_LEASE_SECONDS: '3' }), LOG_LEVEL: 'info' };
    delete (env as Record<string, string>).DELIVERY_MODE;
    replicas = await Promise.all(['r1', 'r2'].map((name) => startReplica(name, db.url, target.url, env)));
    await waitFor(async () => (await Promise.all(replicas.map(hasRead))).some(Boolean), { timeoutInMs: 20_000, what: "a reader's first read" });

    // Each step once the one before was read: between two reads the feed tells only that an object
    // changed, and catch-up fetches its state then (docs/catch-up.md, "What catch-up cannot see").
    const uuids = [];
    for (let i = 0; i < 5; i++) uuids.push(await fake.createObject(ids.register, ids.schema, { titel: `Melding ${i}` }));
    await waitFor(() => target.received.length >= 5, { timeoutInMs: 30_000, what: 'five creations forwarded' });
    for (const uuid of uuids.slice(0, 3)) fake.updateObject(uuid, { status: 'klaar' });
    for (const uuid of uuids.slice(3)) fake.softDelete(uuid);
    await waitFor(() => target.received.length >= 10, { timeoutInMs: 30_000, what: 'ten changes forwarded' });

    const leaders = (await Promise.all(replicas.map(isLeader))).filter(Boolean);
    expect(leaders).toHaveLength(1);
    const leader = replicas[(await Promise.all(replicas.map(isLeader))).indexOf(true)];
    const other = replicas.find((replica) => replica !== leader)!;

    leader.service.kill('SIGTERM');
    await leader.service.exit();
    const later = await fake.createObject(ids.register, ids.schema, { titel: 'Na de overdracht' });
    fake.updateObject(uuids[0], { status: 'heropend' });
    await waitFor(() => target.received.length >= 12, { timeoutInMs: 30_000, what: 'the changes after the hand-over' });
    expect(await isLeader(other)).toBe(true);

    // Each change exactly once (the second update of uuids[0] is a change of its own).
    const changes = forwarded(target).map((entry) => entry.change);
    expect(changes.sort()).toEqual(
      [
        ...uuids.map((uuid) => `object.created ${uuid}`),
        ...uuids.slice(0, 3).map((uuid) => `object.updated ${uuid}`),
        ...uuids.slice(3).map((uuid) => `object.deleted ${uuid}`),
        `object.created ${later}`,
        `object.updated ${uuids[0]}`,
      ].sort(),
    );
    expect(forwarded(target).every((entry) => entry.source === 'catch-up')).toBe(true);
  });
});
