import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './support/embedded-postgres.mjs';
import { ForwardTarget } from './support/forward-target.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, TestDatabase } from './support/postgres-database.js';
import { sql } from './support/postgres-store.js';
import { Replica, startReplica, stopAll, Stream } from './support/replicas.js';
import { createdBodyFor } from './support/signed-deliveries.js';

jest.setTimeout(60_000);

/**
 * Three built replicas on a PostgreSQL server of this spec's own (so that stopping it disturbs
 * no other spec), restarted for real while deliveries stream in.
 */
describe('three replicas across a restart of the PostgreSQL server', () => {
  let server: EmbeddedPostgresServer;
  let db: TestDatabase;
  let target: ForwardTarget;
  let dataDir: string;
  let replicas: Replica[] = [];
  let load: Stream | undefined;

  const readiness = (replica: Replica) => fetch(`${replica.service.url}/health/ready`).then((response) => response.status);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orw-replicas-restart-'));
    server = await startEmbeddedPostgres();
    [db, target] = await Promise.all([createTestDatabase('orw_replicas', server.url), ForwardTarget.start()]);
    replicas = await Promise.all(['a', 'b', 'c'].map((name) => startReplica(name, db.url, target.url, { DATA_DIR: dataDir })));
  }, 90_000);

  afterAll(async () => {
    await load?.stop();
    await stopAll(replicas);
    await target?.close();
    // Stopping the server removes its data, and with it the database.
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 202 or 503 throughout, never loses an acknowledged delivery, and recovers by itself', async () => {
    target.behaviour = () => ({ status: 200, delayInMs: 20 });
    load = new Stream([...replicas], () => createdBodyFor(randomUUID()), 4).start();
    const answers = load.answers;
    await waitFor(() => answers.filter((answer) => answer.status === 202).length >= 40, { timeoutInMs: 20_000, what: 'deliveries before the restart' });

    await server.halt();
    const haltedAt = answers.length;
    await waitFor(() => answers.slice(haltedAt).filter((answer) => answer.status === 503).length >= 10, { timeoutInMs: 20_000, what: 'deliveries refused during the outage' });
    expect(await Promise.all(replicas.map(readiness))).toEqual([503, 503, 503]);
    await server.resume();
    const resumedAt = answers.length;

    await waitFor(async () => (await Promise.all(replicas.map(readiness))).every((status) => status === 200), { timeoutInMs: 20_000, what: 'every replica to be ready again' });
    await waitFor(() => answers.slice(resumedAt).filter((answer) => answer.status === 202).length >= 40, { timeoutInMs: 20_000, what: 'deliveries after the restart' });
    await load.stop();

    // Refused (503) while it could not be made durable, acknowledged (202) otherwise: nothing else.
    expect(answers.filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
    const acknowledged = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.deliveryId);
    const succeeded = async () => (await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM deliveries WHERE id = ANY($1) AND status = 'succeeded'`, [acknowledged]))[0].n;
    await waitFor(async () => (await succeeded()) === acknowledged.length, { timeoutInMs: 30_000, what: 'every acknowledged delivery to succeed' });
    // Handled at least once each (a handler that finished during the outage may have run twice).
    const handled = target.ids();
    expect(acknowledged.filter((id) => !handled.has(id))).toEqual([]);
  });
});
