#!/usr/bin/env node
// EXPLAIN (ANALYZE, BUFFERS) of the PostgreSQL store's claim (QUERIES.claim) with a large backlog,
// for docs/adr/0006-worker-drain-rate.md. Builds a throwaway database per case on the local server
// (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), migrated with the built
// service's migrations: `npm run build && node bench/claim-plan.mjs [--queued N] [--finished N]`.
// Cases: fresh statistics (ANALYZE after the backlog arrived) and stale ones (ANALYZE while the table
// held only finished deliveries, then the backlog arrived), each with a custom and a generic plan.
// Every claim runs in a transaction that is rolled back.
import { integerOption, parseCli } from './lib/cli.mjs';

const USAGE = `Usage: npm run build && node bench/claim-plan.mjs [options]

EXPLAIN (ANALYZE, BUFFERS) of the PostgreSQL store's claim with a large backlog, in a throwaway
database per case on BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), migrated
with the built service's migrations.

Options:
  --queued N        queued deliveries in the backlog (100000)
  --finished N      finished deliveries beside them (100000)
  --limit N         the claim's batch size (64)
  --cases L         comma list of fresh,stale,none,worked (all)
  --finish          also explain the finish of 8 claimed deliveries (a worker's batch)
  -h, --help        this text`;
const cli = { name: 'bench/claim-plan.mjs', usage: USAGE };
const { values: args } = parseCli({
  ...cli,
  options: { queued: { type: 'string', default: '100000' }, finished: { type: 'string', default: '100000' }, limit: { type: 'string', default: '64' }, cases: { type: 'string' }, finish: { type: 'boolean' } },
});
// After the command line: --help works before a build, and the imports need dist/.
const { default: pg } = await import('pg');
const { QUERIES } = await import('../dist/store/postgres/delivery-queries.js');
const { migrate } = await import('../dist/store/postgres/migrate.js');
const QUEUED = integerOption(cli, 'queued', args.queued, 0);
const FINISHED = integerOption(cli, 'finished', args.finished, 0);
const LIMIT = integerOption(cli, 'limit', args.limit, 1);
const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function onServer(statement) {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

const insert = (from, to, status) =>
  `INSERT INTO deliveries (id, idempotency_key, object_key, event, status, attempts, next_attempt_at, created_at, updated_at, completed_at)
   SELECT 'd-' || g, 'k-' || g, 'obj-' || (g % 5000), repeat('x', 1000), '${status}', ${status === 'queued' ? 0 : 1}, g, g, g, ${status === 'queued' ? 'NULL' : 'g'}
   FROM generate_series(${from}, ${to}) g`;

async function runCase(stats) {
  const name = `orw_claim_plan_${stats}_${process.pid}`;
  await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    await migrate(pool);
    // No autovacuum on the table, so "stale" stays stale for the run.
    await pool.query(`ALTER TABLE deliveries SET (autovacuum_enabled = false)`);
    if (FINISHED) await pool.query(insert(1, FINISHED, 'succeeded'));
    if (stats === 'stale' || stats === 'worked') await pool.query('VACUUM ANALYZE deliveries');
    await pool.query(insert(FINISHED + 1, FINISHED + QUEUED, 'queued'));
    if (stats === 'fresh') await pool.query('VACUUM ANALYZE deliveries');
    // "worked": the worker has since finished half the backlog, without a vacuum in between (the
    // finished rows' entries stay in deliveries_unfinished until one), statistics from before.
    if (stats === 'worked') {
      await pool.query(`UPDATE deliveries SET status = 'succeeded', attempts = 1, completed_at = seq, updated_at = seq WHERE seq <= ${FINISHED + QUEUED / 2} AND completed_at IS NULL`);
    }
    const now = FINISHED + QUEUED + 1;
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      const client = await pool.connect();
      try {
        await client.query(`SET plan_cache_mode = ${mode}`);
        // Twice: the first run warms the cache; the second is reported.
        let plan;
        for (let i = 0; i < 2; i++) {
          await client.query('BEGIN');
          await client.query({ name: `c${i}`, text: `EXPLAIN (ANALYZE, BUFFERS) ${QUERIES.claim.text}`, values: QUERIES.claim.text.includes('$6') ? [now, LIMIT, 'plan', 30000, 0, 512] : [now, LIMIT, 'plan', 30000] }).then((r) => (plan = r.rows.map((row) => row['QUERY PLAN']).join('\n')));
          await client.query('ROLLBACK');
        }
        process.stdout.write(`\n=== ${QUEUED} queued, ${FINISHED} finished, statistics ${stats}, ${mode} ===\n${plan}\n`);
        if ('finish' in args) {
          // The finish of 8 claimed deliveries (QUERIES.finish), as the worker writes a batch.
          await client.query('BEGIN');
          const claimed = (await client.query({ text: QUERIES.claim.text, values: QUERIES.claim.text.includes('$6') ? [now, 8, 'plan', 30000, 0, 512] : [now, 8, 'plan', 30000] })).rows.filter((r) => r.lease_token);
          const col = (f) => claimed.map(f);
          const values = [col((r) => r.id), col((r) => r.lease_token), col(() => 'succeeded'), col(() => 1), col(() => now), col(() => null), col(() => now), col(() => now), col(() => now), col(() => 'succeeded'), col(() => null)];
          const finish = await client.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${QUERIES.finish.text}`, values });
          await client.query('ROLLBACK');
          process.stdout.write(`--- finish of ${claimed.length} ---\n${finish.rows.map((row) => row['QUERY PLAN']).join('\n')}\n`);
        }
      } finally {
        client.release();
      }
    }
  } finally {
    await pool.end();
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

// fresh: ANALYZE after the backlog came; stale: ANALYZE before; none: never analyzed;
// worked: stale, and half the backlog finished since without a vacuum.
for (const stats of (args.cases ?? 'fresh,stale,none,worked').split(',')) await runCase(stats);
