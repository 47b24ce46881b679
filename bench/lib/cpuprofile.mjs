// Where the time goes in a V8 .cpuprofile: self time per function and per package or file.
import path from 'node:path';

function where(url, root) {
  if (!url) return '';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = file.startsWith(root) ? path.relative(root, file) : file;
  // the benchmark runs a snapshot of dist/ (bench/results/.dist-<stamp>/): name it dist/
  return rel.replace(/^bench\/results\/\.dist-[^/]+\//, 'dist/');
}

/** The package (node_modules/<name>), service file (dist/…), node internals, or V8 pseudo-node. */
function area(node, root) {
  const url = where(node.callFrame.url, root);
  if (!url) return node.callFrame.functionName || '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node: internals';
  return url;
}

/**
 * Self time by function and by area, in ms and share of the profiled time.
 * @returns `{ totalMs, idleMs, functions: [{ name, where, ms, share }], areas: [{ area, ms, share }] }`
 */
export function summarize(profile, { root = process.cwd(), top = 25 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  // timeDeltas[i] is the time since the previous sample: charge it to the sample after it
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }
  let totalUs = 0;
  let idleUs = 0;
  const fns = new Map();
  const areas = new Map();
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    const name = node.callFrame.functionName || '(anonymous)';
    totalUs += us;
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const loc = where(node.callFrame.url, root);
    const key = `${name}\u0000${loc}:${node.callFrame.lineNumber + 1}`;
    const f = fns.get(key) ?? { name, where: loc ? `${loc}:${node.callFrame.lineNumber + 1}` : '', us: 0 };
    f.us += us;
    fns.set(key, f);
    const a = area(node, root);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  // Inclusive time of the service's own functions (dist/…): each sample counts once for every
  // distinct service function on its stack, so it shows which step of the pipeline costs most.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownKey = new Map();
  for (const n of profile.nodes) {
    const loc = where(n.callFrame.url, root);
    if (loc.startsWith('dist/')) ownKey.set(n.id, `${n.callFrame.functionName || '(anonymous)'} ${loc}:${n.callFrame.lineNumber + 1}`);
  }
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let cur = id; cur != null; cur = parent.get(cur)) {
      const k = ownKey.get(cur);
      if (k && !seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      }
    }
  }
  const busyUs = totalUs - idleUs;
  const ms = (us) => Math.round(us / 100) / 10;
  const share = (us) => Math.round((us / busyUs) * 1000) / 10;
  return {
    totalMs: ms(totalUs),
    idleMs: ms(idleUs),
    busyMs: ms(busyUs),
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: ms(f.us), share: share(f.us) })),
    serviceInclusive: [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: ms(us), share: share(us) })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([a, us]) => ({ area: a, ms: ms(us), share: share(us) })),
  };
}

export function renderSummary(s, title) {
  const lines = [`### ${title}`, '', `Profiled ${s.totalMs} ms, busy ${s.busyMs} ms (idle ${s.idleMs} ms). Shares are of busy time.`, ''];
  lines.push('| self % | self ms | function | where |', '| ---: | ---: | --- | --- |');
  for (const f of s.functions) lines.push(`| ${f.share} | ${f.ms} | \`${f.name}\` | ${f.where} |`);
  lines.push('', '| self % | self ms | package / file |', '| ---: | ---: | --- |');
  for (const a of s.areas) lines.push(`| ${a.share} | ${a.ms} | ${a.area} |`);
  lines.push('', '| total % | total ms | service function (time with it on the stack) |', '| ---: | ---: | --- |');
  for (const f of s.serviceInclusive) lines.push(`| ${f.share} | ${f.ms} | \`${f.fn}\` |`);
  return lines.join('\n');
}
