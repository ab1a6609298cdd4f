import type { DefaultOperation } from '../../drivers/netconf/rpc.js';
import { el, type XmlElement, XmlFragment } from '../../drivers/xml/xml.js';
import { NetconfError } from './errors.js';

/**
 * A configuration datastore as a plain tree, with RFC 6241 edit-config and subtree-filter
 * semantics that know nothing about any one YANG model. What a model contributes is data (a
 * DatastoreSchema): its top-level elements and namespace, which lists are keyed by what, and
 * which leaves are typed. That is what lets a new platform be added to the lab as a table.
 *
 * Nodes are structurally XmlElements, so the drivers' own platform parsers read the lab's
 * datastore directly: the lab and the agent agree on a model by sharing one reading of it.
 *
 * Namespaces are not kept per node. A lab device serves one model, so elements are matched by
 * local name and the schema's namespace is written back on output.
 */

export interface DataNode {
  name: string;
  /** Always empty; present so a node is an XmlElement. */
  attrs: Record<string, string>;
  children: DataNode[];
  /** A leaf's value (identities without their prefix); empty for interior nodes. */
  text: string;
}

export type LeafType = 'string' | 'boolean' | 'uint16' | 'uint32' | 'identity';

export interface IdentityLeaf {
  /** Prefix and namespace written on output (`ianaift:ethernetCsmacd`). */
  prefix: string;
  ns: string;
  /** Identities the lab accepts for this leaf. */
  values: ReadonlySet<string>;
}

export interface DatastoreSchema {
  /** Top-level element names of the model. */
  roots: readonly string[];
  namespace: string;
  /** Prefix used in error-path instance identifiers. */
  prefix: string;
  /** List element name → its key leaves, in key order. */
  listKeys: Readonly<Record<string, readonly string[]>>;
  leafTypes: Readonly<Record<string, LeafType>>;
  identities: Readonly<Record<string, IdentityLeaf>>;
}

export type EditOperation = 'merge' | 'replace' | 'create' | 'delete' | 'remove' | 'none';

const OPERATIONS: ReadonlySet<string> = new Set(['merge', 'replace', 'create', 'delete', 'remove']);

export function node(name: string, children: DataNode[] = [], text = ''): DataNode {
  return { name, attrs: {}, children, text };
}

export function leaf(name: string, value: string): DataNode {
  return node(name, [], value);
}

export function cloneTree(nodes: readonly DataNode[]): DataNode[] {
  return nodes.map((n) => node(n.name, cloneTree(n.children), n.text));
}

/** The tree as the `<data>` element of a reply, for the drivers' platform parsers. */
export function asData(nodes: readonly DataNode[]): XmlElement {
  return { name: 'data', attrs: {}, children: nodes, text: '' };
}

export function leafValue(parent: DataNode | XmlElement | undefined, name: string): string | undefined {
  const c = parent?.children.find((x) => x.name === name);
  return c && c.children.length === 0 ? c.text : undefined;
}

/** The `interface` entries of every root's `interfaces` container (the Huawei ifm and Junos shape). */
export function interfacesOf(tree: readonly DataNode[]): DataNode[] {
  const out: DataNode[] = [];
  for (const root of tree) {
    for (const c of root.children) {
      if (c.name === 'interfaces') out.push(...c.children.filter((i) => i.name === 'interface'));
    }
  }
  return out;
}

function isLeafElement(e: XmlElement): boolean {
  return e.children.length === 0;
}

/** Where an edit is, as an instance-identifier for error-path. */
class PathBuilder {
  constructor(
    private readonly schema: DatastoreSchema,
    private readonly segments: readonly string[] = [],
  ) {}

  child(name: string, keys?: readonly (readonly [string, string])[]): PathBuilder {
    const p = this.schema.prefix;
    const predicate = (keys ?? [])
      .map(([k, v]) => `[${p}:${k}=${v.includes("'") ? `"${v}"` : `'${v}'`}]`)
      .join('');
    return new PathBuilder(this.schema, [...this.segments, `${p}:${name}${predicate}`]);
  }

  get text(): string {
    return `/${this.segments.join('/')}`;
  }

  error(
    tag: 'invalid-value' | 'data-missing' | 'data-exists' | 'missing-element' | 'unknown-element',
    message: string,
    info?: Record<string, string>,
  ): NetconfError {
    return new NetconfError({
      type: tag === 'unknown-element' ? 'protocol' : 'application',
      tag,
      message,
      path: this.text,
      pathNamespaces: { [this.schema.prefix]: this.schema.namespace },
      ...(info ? { info } : {}),
    });
  }
}

/** A leaf value as the datastore keeps it, or an invalid-value error naming the leaf. */
function normaliseLeaf(schema: DatastoreSchema, name: string, raw: string, at: PathBuilder): string {
  const type = schema.leafTypes[name] ?? 'string';
  if (type === 'string') return raw;
  const v = raw.trim();
  const bad = (why: string) =>
    at.error('invalid-value', `${name} ${why}: ${JSON.stringify(raw)}`, { 'bad-element': name });
  switch (type) {
    case 'boolean':
      if (v !== 'true' && v !== 'false') throw bad('must be true or false');
      return v;
    case 'uint16':
    case 'uint32': {
      const max = type === 'uint16' ? 65_535 : 4_294_967_295;
      if (!/^\d{1,10}$/.test(v) || Number(v) > max) throw bad(`must be an integer 0..${max}`);
      return String(Number(v));
    }
    case 'identity': {
      const id = schema.identities[name];
      const local = v.includes(':') ? v.slice(v.indexOf(':') + 1) : v;
      if (!id?.values.has(local)) throw bad('is not a known identity');
      return local;
    }
  }
}

function operationOf(e: XmlElement, inherited: EditOperation, at: PathBuilder): EditOperation {
  const op = e.attrs.operation;
  if (op === undefined) return inherited;
  if (!OPERATIONS.has(op)) {
    throw new NetconfError({
      type: 'protocol',
      tag: 'bad-attribute',
      message: `unknown operation "${op}" on <${e.name}>`,
      path: at.text,
      info: { 'bad-attribute': 'operation', 'bad-element': e.name },
    });
  }
  return op as EditOperation;
}

/** Whether anything below `e` asks for an operation of the given kinds. */
function subtreeWants(e: XmlElement, ops: ReadonlySet<string>): boolean {
  for (const c of e.children) {
    const op = c.attrs.operation;
    if ((op !== undefined && ops.has(op)) || subtreeWants(c, ops)) return true;
  }
  return false;
}

const CREATING = new Set(['merge', 'replace', 'create']);

class Editor {
  constructor(private readonly schema: DatastoreSchema) {}

  keyValues(e: XmlElement, at: PathBuilder): (readonly [string, string])[] | undefined {
    const keys = this.schema.listKeys[e.name];
    if (!keys) return undefined;
    return keys.map((k) => {
      const raw = leafValue(e, k);
      if (raw === undefined) {
        throw at.error('missing-element', `list entry <${e.name}> needs its key <${k}>`, {
          'bad-element': k,
        });
      }
      return [k, normaliseLeaf(this.schema, k, raw, at)] as const;
    });
  }

  find(parent: DataNode, e: XmlElement, keys: readonly (readonly [string, string])[] | undefined): number {
    return parent.children.findIndex(
      (c) => c.name === e.name && (keys ?? []).every(([k, v]) => leafValue(c, k) === v),
    );
  }

  /** A fresh node from config content (replace/create), keys first as YANG orders them. */
  build(e: XmlElement, at: PathBuilder): DataNode {
    if (isLeafElement(e)) return leaf(e.name, normaliseLeaf(this.schema, e.name, e.text, at));
    const keys = this.keyValues(e, at);
    const here = at.child(e.name, keys);
    const out = node(e.name);
    for (const [k, v] of keys ?? []) out.children.push(leaf(k, v));
    for (const c of e.children) {
      if (keys?.some(([k]) => k === c.name)) continue;
      // Inside new content there is nothing to delete or remove.
      const op = c.attrs.operation;
      if (op === 'delete' || op === 'remove') continue;
      out.children.push(this.build(c, here));
    }
    return out;
  }

  edit(parent: DataNode, items: readonly XmlElement[], inherited: EditOperation, at: PathBuilder): void {
    for (const e of items) {
      const op = operationOf(e, inherited, at);
      const keys = isLeafElement(e) ? undefined : this.keyValues(e, at);
      const here = at.child(e.name, keys);
      const index = this.find(parent, e, keys);
      const existing = index >= 0 ? parent.children[index] : undefined;
      switch (op) {
        case 'delete':
          if (!existing) throw here.error('data-missing', `cannot delete <${e.name}>: it does not exist`);
          parent.children.splice(index, 1);
          break;
        case 'remove':
          if (existing) parent.children.splice(index, 1);
          break;
        case 'create':
          if (existing) throw here.error('data-exists', `cannot create <${e.name}>: it already exists`);
          parent.children.push(this.build(e, at));
          break;
        case 'replace':
          if (existing) parent.children[index] = this.build(e, at);
          else parent.children.push(this.build(e, at));
          break;
        case 'merge':
          if (isLeafElement(e)) {
            const value = normaliseLeaf(this.schema, e.name, e.text, at);
            if (existing) {
              existing.children = [];
              existing.text = value;
            } else parent.children.push(leaf(e.name, value));
          } else {
            const target = existing ?? this.#newEntry(parent, e.name, keys);
            this.edit(target, e.children, 'merge', here);
          }
          break;
        case 'none':
          if (isLeafElement(e)) break;
          if (existing) this.edit(existing, e.children, 'none', here);
          else if (subtreeWants(e, CREATING))
            this.edit(this.#newEntry(parent, e.name, keys), e.children, 'none', here);
          else if (subtreeWants(e, new Set(['delete']))) {
            throw here.error(
              'data-missing',
              `<${e.name}> does not exist, so nothing below it can be deleted`,
            );
          }
          break;
      }
    }
  }

  #newEntry(
    parent: DataNode,
    name: string,
    keys: readonly (readonly [string, string])[] | undefined,
  ): DataNode {
    const n = node(
      name,
      (keys ?? []).map(([k, v]) => leaf(k, v)),
    );
    parent.children.push(n);
    return n;
  }
}

/**
 * Applies an edit-config `<config>` element to a copy of `tree` and returns the copy. Nothing is
 * changed on error, which is what rollback-on-error promises anyway.
 */
export function editTree(
  tree: readonly DataNode[],
  config: XmlElement,
  defaultOperation: DefaultOperation,
  schema: DatastoreSchema,
): DataNode[] {
  const root = node('config', cloneTree(tree));
  const at = new PathBuilder(schema);
  for (const top of config.children) {
    if (!schema.roots.includes(top.name)) {
      throw new NetconfError({
        type: 'application',
        tag: 'unknown-element',
        message: `<${top.name}> is not a top-level element of this device's model`,
        info: { 'bad-element': top.name },
      });
    }
  }
  new Editor(schema).edit(root, config.children, defaultOperation, at);
  return root.children;
}

// ---------------------------------------------------------------------------------------------
// Output

function renderNode(schema: DatastoreSchema, n: DataNode, top: boolean): XmlFragment {
  const attrs: Record<string, string> = top ? { xmlns: schema.namespace } : {};
  if (n.children.length === 0) {
    const id = schema.identities[n.name];
    if (id && schema.leafTypes[n.name] === 'identity') {
      return el(n.name, { ...attrs, [`xmlns:${id.prefix}`]: id.ns }, `${id.prefix}:${n.text}`);
    }
    return el(n.name, attrs, n.text);
  }
  return el(n.name, attrs, ...n.children.map((c) => renderNode(schema, c, false)));
}

export function renderTree(tree: readonly DataNode[], schema: DatastoreSchema): XmlFragment {
  return new XmlFragment(tree.map((n) => renderNode(schema, n, true).xml).join(''));
}

/** Structural equality, for "has the candidate been modified". */
export function sameTree(a: readonly DataNode[], b: readonly DataNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.text !== y.text || !sameTree(x.children, y.children)) return false;
  }
  return true;
}
