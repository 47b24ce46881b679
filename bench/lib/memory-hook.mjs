// Preloaded into the service (`node --expose-gc --import`) by bench/memory.mjs, never in
// production. Every $BENCH_MEMORY_EVERY_MS it runs a full GC and appends process.memoryUsage() as
// a JSON line to $BENCH_MEMORY_OUT: the heap after a full GC is what the process really keeps,
// where RSS alone cannot tell retained objects from garbage not yet collected.
import { appendFileSync } from 'node:fs';

const out = process.env.BENCH_MEMORY_OUT;
const everyMs = Number(process.env.BENCH_MEMORY_EVERY_MS ?? 5000);

if (out && typeof globalThis.gc === 'function') {
  const t0 = Date.now();
  setInterval(() => {
    globalThis.gc();
    const m = process.memoryUsage();
    appendFileSync(out, JSON.stringify({ t: Date.now() - t0, ...m }) + '\n');
  }, everyMs).unref();
}

// SIGWINCH (not one of the signals Nest's shutdown hooks take) writes a heap snapshot to
// $BENCH_HEAP_SNAPSHOT_PREFIX-<n>.heapsnapshot, for bench/memory.mjs --snapshots.
const prefix = process.env.BENCH_HEAP_SNAPSHOT_PREFIX;
if (prefix) {
  const { writeHeapSnapshot } = await import('node:v8');
  let n = 0;
  process.on('SIGWINCH', () => {
    const file = `${prefix}-${++n}.heapsnapshot`;
    writeHeapSnapshot(`${file}.partial`);
    // renamed once complete, so the reader never sees half a file
    import('node:fs').then(({ renameSync }) => renameSync(`${file}.partial`, file));
  });
}
