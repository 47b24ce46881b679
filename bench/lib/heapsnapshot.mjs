// Which kinds of objects a V8 heap snapshot holds: count and self size per constructor name.
import { readFileSync } from 'node:fs';

/** Map of `type:name` to `{ count, bytes }` for one .heapsnapshot file. */
export function heapCensus(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const typeNames = types[iType];
  const { nodes, strings } = snap;
  const census = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + iType]];
    let name = strings[nodes[i + iName]];
    // strings and numbers are named by their content: group them by type only
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') name = '';
    const key = `${type}:${name.slice(0, 80)}`;
    const c = census.get(key) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += nodes[i + iSize];
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

/** The `top` largest strings of a .heapsnapshot: size and the first 100 characters. */
export function largestStrings(file, top = 5) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const typeNames = types[iType];
  const found = [];
  for (let i = 0; i < snap.nodes.length; i += width) {
    if (!typeNames[snap.nodes[i + iType]].includes('string')) continue;
    found.push({ bytes: snap.nodes[i + iSize], text: snap.strings[snap.nodes[i + iName]] });
  }
  return found
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top)
    .map((s) => ({ bytes: s.bytes, start: s.text.slice(0, 100) }));
}
