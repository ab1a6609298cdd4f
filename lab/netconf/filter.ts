import type { XmlElement } from '../../drivers/xml/xml.js';
import { cloneTree, type DataNode, type DatastoreSchema, leaf, node } from './datastore.js';

// Subtree filtering (RFC 6241 §6) over the datastore's plain tree.

function contentMatches(schema: DatastoreSchema, d: DataNode, f: XmlElement): boolean {
  if (d.children.length > 0) return false;
  const want = f.text.trim();
  if (schema.leafTypes[f.name] === 'identity') {
    return d.text === (want.includes(':') ? want.slice(want.indexOf(':') + 1) : want);
  }
  return d.text.trim() === want;
}

function isContentMatch(f: XmlElement): boolean {
  return f.children.length === 0 && f.text.trim() !== '';
}

function applyFilter(schema: DatastoreSchema, d: DataNode, f: XmlElement): DataNode | undefined {
  if (f.children.length === 0) {
    if (f.text.trim() === '') return node(d.name, cloneTree(d.children), d.text);
    return contentMatches(schema, d, f) ? leaf(d.name, d.text) : undefined;
  }
  const matches = f.children.filter(isContentMatch);
  for (const m of matches) {
    if (!d.children.some((c) => c.name === m.name && contentMatches(schema, c, m))) return undefined;
  }
  const selectors = f.children.filter((c) => !isContentMatch(c));
  if (selectors.length === 0) return node(d.name, cloneTree(d.children), d.text);
  const kids: DataNode[] = [];
  for (const c of d.children) {
    if (matches.some((m) => m.name === c.name)) {
      kids.push(leaf(c.name, c.text));
      continue;
    }
    for (const s of selectors) {
      if (s.name !== c.name) continue;
      const r = applyFilter(schema, c, s);
      if (r) {
        kids.push(r);
        break;
      }
    }
  }
  if (kids.length === 0 && matches.length === 0) return undefined;
  return node(d.name, kids);
}

/** The parts of `tree` a subtree filter selects; `filter` is the `<filter>` element itself. */
export function filterTree(
  tree: readonly DataNode[],
  filter: XmlElement,
  schema: DatastoreSchema,
): DataNode[] {
  const out: DataNode[] = [];
  for (const d of tree) {
    for (const f of filter.children) {
      if (f.name !== d.name) continue;
      const r = applyFilter(schema, d, f);
      if (r) {
        out.push(r);
        break;
      }
    }
  }
  return out;
}
