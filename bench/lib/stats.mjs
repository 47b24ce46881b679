// Small numeric helpers for the report.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every mainstream build). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; null once gone. */
export function readCpuMs(pid) {
  return readStatCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU time of the process's main thread alone (its event loop: the thread that answers requests),
 * in ms; null where /proc is absent. The rest of `readCpuMs` is V8's helper threads, libuv's pool
 * and any worker thread: work a second core can take.
 */
export function readMainThreadCpuMs(pid) {
  return readStatCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function readStatCpuMs(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    // fields after the parenthesised command name; utime and stime are fields 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Waits until the process is idle (under `idleShare` of one core over `windowMs`), for a service
 * that keeps working after the load stops (e.g. draining a queue). Returns the ms it took.
 */
export async function waitIdle(pid, { windowMs = 250, idleShare = 0.1, maxMs = 60000 } = {}) {
  const t0 = performance.now();
  let last = readCpuMs(pid);
  while (performance.now() - t0 < maxMs) {
    await sleep(windowMs);
    const now = readCpuMs(pid);
    if (now == null || last == null) break;
    if (now - last <= windowMs * idleShare) break;
    last = now;
  }
  return Math.round(performance.now() - t0);
}

/** Least-squares slope of y over x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

export const MB = 1024 * 1024;
export const toMB = (bytes) => (bytes == null ? null : Math.round((bytes / MB) * 10) / 10);
/** The middle value, or the mean of the two middle ones for an even count. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const ratio = (a, b) => (a == null || b == null || b === 0 ? null : Math.round((a / b) * 100) / 100);

/** Machine-wide busy CPU time (all cores, user+system+irq+steal), in ms, from /proc/stat. */
export function readMachineBusyMs() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Waits until the whole machine is quiet (under `share` of all cores busy over a `windowMs`
 * window) or `maxMs` passes; returns the busy share last seen. For shared machines: another
 * process's build or test run skews a run more than anything in it.
 */
export async function waitMachineQuiet({ cores, share = 0.1, windowMs = 1000, maxMs = 30000 } = {}) {
  const t0 = performance.now();
  let seen;
  do {
    const b0 = readMachineBusyMs();
    const w0 = performance.now();
    await sleep(windowMs);
    seen = (readMachineBusyMs() - b0) / ((performance.now() - w0) * cores);
    if (seen <= share) break;
  } while (performance.now() - t0 < maxMs);
  return Math.round(seen * 100) / 100;
}
