// What machine the numbers come from.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function describeMachine() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    cpuModel,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
  };
}

export function machineLine(m) {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGB} GB RAM, Node ${m.node}, ${m.kernel} (${m.arch})`;
}
