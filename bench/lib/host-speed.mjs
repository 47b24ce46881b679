// How fast the host lets this machine run right now. On a virtual machine, other guests on the
// same host can slow it down by a factor of two for minutes (seen here: the floor receiver
// needing 11.5 instead of 5.1 ms of CPU per 1 MB request), and nothing inside shows it (/proc/stat
// reports no steal time here): the lost time is charged to whatever ran. So a fixed task's CPU
// time is the probe: when it takes much longer than its fastest time in the same benchmark run,
// the host was slow, and every CPU and throughput figure of that run is inflated with it.
import { createHash } from 'node:crypto';

const BLOCK = Buffer.alloc(64 * 1024, 7);
const DOC = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'], value: i * 1.5 })) };

/** CPU ms of one fixed task of hashing and JSON work (about 17 ms on the machine of bench/README.md). */
function fixedTaskMs() {
  const before = process.cpuUsage();
  let digest = BLOCK.subarray(0, 32);
  for (let i = 0; i < 100; i++) {
    digest = createHash('sha256').update(digest).update(BLOCK).digest();
    JSON.parse(JSON.stringify(DOC));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** A slowdown above this marks a run as taken on a slow host. */
export const SLOW_HOST = 1.3;

/** One probe: the fastest of three tries (a one-off hiccup does not count), in CPU ms. */
export function probeHost() {
  return Math.round(Math.min(fixedTaskMs(), fixedTaskMs(), fixedTaskMs()) * 10) / 10;
}

/**
 * Once every run is done: each run's `hostSlowdown` is its slower probe (before and after its
 * load) against the fastest probe of the whole benchmark, 1.0 being the host at its best; a run
 * above SLOW_HOST gets a warning. Judged at the end, so a run early in a slow spell is caught too.
 */
export function judgeHostSpeed(runs) {
  const probed = runs.filter((run) => run?.hostProbeMs?.length);
  const fastest = Math.min(...probed.flatMap((run) => run.hostProbeMs));
  for (const run of probed) {
    run.hostSlowdown = Math.round((Math.max(...run.hostProbeMs) / fastest) * 100) / 100;
    if (run.hostSlowdown > SLOW_HOST) {
      run.warnings.push(`host slow: a fixed task took ${run.hostSlowdown}× its fastest CPU time in this benchmark, so this run's CPU and req/s figures are off by up to as much`);
    }
  }
}
