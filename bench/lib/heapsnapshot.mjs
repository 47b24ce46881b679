// Which kinds of objects a V8 heap snapshot holds: count and self size per constructor name.
import { readFileSync } from 'node:fs';

/** One .heapsnapshot, parsed once, as a list of nodes: `{ type, name, bytes }`. */
export function readHeapSnapshot(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const typeNames = types[iType];
  const { nodes, strings } = snap;
  const result = [];
  for (let i = 0; i < nodes.length; i += width) {
    result.push({ type: typeNames[nodes[i + iType]], name: strings[nodes[i + iName]], bytes: nodes[i + iSize] });
  }
  return result;
}

/** Map of `type:name` to `{ count, bytes }` for the nodes of one snapshot. */
export function heapCensus(nodes) {
  const census = new Map();
  for (const { type, name, bytes } of nodes) {
    // strings and numbers are named by their content: group them by type only
    const grouped = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? '' : name;
    const key = `${type}:${grouped.slice(0, 80)}`;
    const c = census.get(key) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += bytes;
    census.set(key, c);
  }
  return census;
}

/** The kinds that grew most in bytes from census `a` to census `b`. */
export function censusGrowth(a, b, top = 20) {
  const rows = [];
  for (const [key, cb] of b) {
    const ca = a.get(key) ?? { count: 0, bytes: 0 };
    rows.push({ kind: key, count: cb.count - ca.count, bytes: cb.bytes - ca.bytes });
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, top);
}

/** The `top` largest strings among the nodes of one snapshot: size and the first 100 characters. */
export function largestStrings(nodes, top = 5) {
  return nodes
    .filter((node) => node.type.includes('string'))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top)
    .map((s) => ({ bytes: s.bytes, start: s.name.slice(0, 100) }));
}
