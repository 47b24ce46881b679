// What group commit buys: the service in queued mode (durable acknowledgement) with
// DELIVERY_GROUP_COMMIT=true (one disk sync per batch of concurrent deliveries) against
// DELIVERY_GROUP_COMMIT=false (one sync per delivery), same machine, same run, alternating
// rounds so a noisy neighbour hits both. Prints a markdown table with the ratio.
//
//   npm run build && node bench/group-commit.mjs [--duration 10] [--connections 1,50] [--rounds 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBodyFactory, generatePool } from './lib/bodies.mjs';
import { integerOption, parseCli } from './lib/cli.mjs';
import { runLoad } from './lib/load.mjs';
import { describeMachine, machineLine } from './lib/machine.mjs';
import { HOST, freePort, httpReady, startProcess, stopProcess, waitReady } from './lib/processes.mjs';

const SECRET = 'bench-secret';
const USAGE = `Usage: node bench/group-commit.mjs [options]   (npm run bench:group-commit -- [options])

The built service in queued mode with DELIVERY_GROUP_COMMIT=true (one disk sync per batch of
concurrent deliveries) against =false (one per delivery), alternating rounds; a markdown table with
the ratio.

Options (each also from an environment variable; the option wins):
  --duration S      seconds of load per run, BENCH_DURATION (10)
  --connections L   comma list of load generator connections, BENCH_CONNECTIONS (1,50)
  --rounds N        rounds, BENCH_ROUNDS (2)
  -h, --help        this text`;
const cli = { name: 'bench/group-commit.mjs', usage: USAGE };
const { values } = parseCli({
  ...cli,
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '10' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '1,50' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '2' },
  },
});
const durationSec = integerOption(cli, 'duration', values.duration, 1);
const connectionsList = values.connections.split(',').map((c) => integerOption(cli, 'connections', c, 1));
const rounds = integerOption(cli, 'rounds', values.rounds, 1);

async function measure(groupCommit, connections) {
  const dataDir = mkdtempSync(join(tmpdir(), 'orw-bench-gc-'));
  const port = await freePort();
  const proc = startProcess({
    name: `service (group commit ${groupCommit ? 'on' : 'off'})`,
    args: ['dist/main.js'],
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      WEBHOOK_SECRETS: SECRET,
      DELIVERY_MODE: 'queued',
      DATA_DIR: dataDir,
      DELIVERY_GROUP_COMMIT: String(groupCommit),
      LOG_LEVEL: 'info',
    },
  });
  try {
    await waitReady(proc, httpReady(`http://${HOST}:${port}/health/ready`), 60000);
    const factory = createBodyFactory({ secret: SECRET, targetBytes: 1024 });
    // Enough unique bodies for the run at a generous rate; the load stops early rather than resend.
    const pool = generatePool(factory, Math.min(400_000, 20_000 * durationSec));
    const result = await runLoad({ url: `http://${HOST}:${port}/webhooks/openregister`, connections, durationSec, pool });
    return { groupCommit, connections, rps: result.rps, p50: result.latencyMs.p50, p99: result.latencyMs.p99, non2xx: result.non2xx, errors: result.errors };
  } finally {
    await stopProcess(proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows = [];
for (const connections of connectionsList) {
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so drift in the machine's load does not favour one.
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const groupCommit of order) {
      const row = await measure(groupCommit, connections);
      rows.push(row);
      console.error(`  ${connections} conn, group commit ${groupCommit ? 'on ' : 'off'}: ${row.rps.toFixed(0)} req/s, p99 ${row.p99} ms`);
    }
  }
}

const best = (groupCommit, connections) => {
  const runs = rows.filter((row) => row.groupCommit === groupCommit && row.connections === connections);
  return runs.reduce((a, b) => (b.rps > a.rps ? b : a));
};
console.log(`\n${machineLine(describeMachine())}\n`);
console.log('| connections | group commit req/s | p50 / p99 ms | one sync per delivery req/s | p50 / p99 ms | ratio |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const connections of connectionsList) {
  const on = best(true, connections);
  const off = best(false, connections);
  console.log(
    `| ${connections} | ${on.rps.toFixed(0)} | ${on.p50} / ${on.p99} | ${off.rps.toFixed(0)} | ${off.p50} / ${off.p99} | ${(on.rps / off.rps).toFixed(2)}× |`,
  );
}
const failures = rows.filter((row) => row.non2xx > 0 || row.errors > 0);
if (failures.length) console.log(`\nRuns with non-2xx answers or errors: ${JSON.stringify(failures)}`);
