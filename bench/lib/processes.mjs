// Child processes under test: start on a free loopback port, wait until ready, sample memory, stop.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it for the child). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process in bytes, from /proc/<pid>/status; null once it is gone. */
export function readMemory(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process; false where not allowed. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples VmRSS every `intervalMs` until stop(); stop() returns
 * `{ peak, start, end, samples: [{ t, rss }] }` (t in ms since start, bytes).
 */
export function sampleMemory(pid, intervalMs = 100) {
  const t0 = performance.now();
  const hwmReset = resetPeak(pid);
  const samples = [];
  const take = () => {
    const m = readMemory(pid);
    if (m) samples.push({ t: Math.round(performance.now() - t0), rss: m.rss });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const m = readMemory(pid);
      const sampledPeak = Math.max(0, ...samples.map((s) => s.rss));
      // VmHWM catches spikes between samples, but only when it was reset before the load.
      const peak = hwmReset && m?.hwm ? Math.max(m.hwm, sampledPeak) : sampledPeak;
      return { peak, start: samples[0]?.rss ?? null, end: samples.at(-1)?.rss ?? null, samples };
    },
  };
}

/**
 * Starts `node <args>` with `env` on `port`; stdout goes to `stdoutPath` (/dev/null by default),
 * stderr is kept (last 64 KB) so a failed start can be reported.
 */
export function startProcess({ name, args, env, cwd, stdoutPath = '/dev/null' }) {
  const out = openSync(stdoutPath, 'a');
  const child = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: ['ignore', out, 'pipe'],
  });
  closeSync(out);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-65536);
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
  });
  let exitInfo = null;
  exited.then((info) => (exitInfo = info));
  return {
    name,
    child,
    pid: child.pid,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    get stderr() {
      return stderr;
    },
  };
}

/**
 * Waits until `check()` resolves true, the process exits, or `timeoutMs` passes.
 * Throws with the process's stderr when it does not become ready.
 */
export async function waitReady(proc, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitInfo) {
      const e = proc.exitInfo;
      throw new Error(
        `${proc.name} exited before it was ready (code ${e.code}, signal ${e.signal}${e.error ? `, ${e.error.message}` : ''})` +
          `\n--- stderr ---\n${proc.stderr.trim() || '(empty)'}`,
      );
    }
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${proc.name} was not ready after ${timeoutMs} ms\n--- stderr ---\n${proc.stderr.trim() || '(empty)'}`);
}

/** Ready check: GET url answers 200. */
export function httpReady(url) {
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  };
}

/** Ready check: a TCP connection to host:port succeeds. */
export function tcpReady(port) {
  return () =>
    new Promise((resolve) => {
      const s = net.connect(port, HOST);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit info. */
export async function stopProcess(proc, graceMs = 10000) {
  if (proc.exitInfo) return proc.exitInfo;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!proc.exitInfo) proc.child.kill('SIGKILL');
  }, graceMs);
  const info = await proc.exited;
  clearTimeout(timer);
  return info;
}
