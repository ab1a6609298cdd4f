import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { DcAgentError } from '../../core/errors.js';

/**
 * The one place XML is written and read. Output goes through a tiny builder where every text and
 * attribute value passes `escapeXml`, so a customer string can never become markup, a framing
 * marker or a chunk header. Input goes through saxes (a streaming, non-validating parser that knows
 * only the predefined entities and character references), with any * DTD refused up front: a device (or anything in the middle) cannot make us expand entities.
 */

// XML 1.0 §2.2 Char: tab, LF, CR and everything from U+0020 except the surrogate block and
// U+FFFE/U+FFFF. Lone surrogates cannot be encoded to UTF-8 at all, so they are refused too.
const ILLEGAL_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Thrown for a value XML 1.0 cannot carry; callers validate user text before it gets here. */
export function assertXmlChars(value: string, what = 'value'): void {
  const m = ILLEGAL_XML_CHAR.exec(value);
  if (m) {
    const cp = m[0].codePointAt(0) ?? 0;
    throw new DcAgentError(
      'invalid-job',
      `${what} contains character U+${cp.toString(16).toUpperCase().padStart(4, '0')} at offset ${m.index}, which XML 1.0 cannot carry`,
      { details: { offset: m.index } },
    );
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // CR would be normalised to LF by the receiving parser; a reference keeps it.
  '\r': '&#13;',
};

/**
 * Escapes for both text and attribute positions. `>` is escaped too so `]]>` (and with it the
 * `]]>]]>` end-of-message marker) can never appear in our output.
 */
export function escapeXml(value: string): string {
  // Most values (port names, descriptions, datastore names) hold nothing to escape or refuse:
  // one scan with a plain character class settles those. It covers every character the two
  // precise expressions act on, so anything else takes the full path below.
  if (!NEEDS_WORK.test(value)) return value;
  assertXmlChars(value);
  return value.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c);
}

// Everything ESCAPES replaces, plus everything ILLEGAL_XML_CHAR could refuse (all surrogates,
// paired or not, so that expression decides about pairs).
const NEEDS_WORK = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

// Names come from our own code, never from users, but a bad one would still break the document.
const XML_NAME = /^[A-Za-z_][A-Za-z0-9._-]*(:[A-Za-z_][A-Za-z0-9._-]*)?$/;

// The names a process uses are a few dozen literals, so each is checked once; the cap keeps the
// set small should a caller ever build names from data.
const checkedNames = new Set<string>();

function checkName(name: string): string {
  if (checkedNames.has(name)) return name;
  if (!XML_NAME.test(name)) throw new DcAgentError('internal', `invalid XML name ${JSON.stringify(name)}`);
  if (checkedNames.size < 1024) checkedNames.add(name);
  return name;
}

export type Attrs = Readonly<Record<string, string | undefined>>;
export type Child = string | XmlFragment | null | undefined | false;

/** Markup that has already been built (and escaped) by `el`; plain strings are always escaped. */
export class XmlFragment {
  constructor(readonly xml: string) {}
  toString(): string {
    return this.xml;
  }
}

function attrText(attrs: Attrs | undefined): string {
  if (!attrs) return '';
  let out = '';
  // Own keys only, as Object.entries gave, without its array of pairs per element.
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v === undefined) continue;
    out += ` ${checkName(k)}="${escapeXml(v)}"`;
  }
  return out;
}

/** One element. Children that are strings are text and escaped; XmlFragments are trusted markup. */
export function el(name: string, attrs?: Attrs, ...children: Child[]): XmlFragment {
  const tag = checkName(name);
  let body = '';
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    body += c instanceof XmlFragment ? c.xml : escapeXml(c);
  }
  return new XmlFragment(
    body === '' ? `<${tag}${attrText(attrs)}/>` : `<${tag}${attrText(attrs)}>${body}</${tag}>`,
  );
}

export function fragment(...children: Child[]): XmlFragment {
  let body = '';
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    body += c instanceof XmlFragment ? c.xml : escapeXml(c);
  }
  return new XmlFragment(body);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A parsed element: local name (prefix removed), attributes, child elements and decoded text. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text nodes joined and entity-decoded (not its descendants' text). */
  readonly text: string;
}

export class XmlParseError extends DcAgentError {
  override readonly name = 'XmlParseError';
  constructor(message: string) {
    super('rpc-error', message, { retryable: false });
  }
}

/** `nc:operation` → `operation`: replies are matched by local name, as namespaces are per model. */
function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

interface Building {
  name: string;
  attrs: Record<string, string>;
  children: Building[];
  text: string;
}

function attributesOf(tag: SaxesTagPlain): Record<string, string> {
  const attrs: Record<string, string> = {};
  const source = tag.attributes;
  // for…in, not Object.entries: most elements have no attributes, and an entries array per
  // element was the parser's largest cost of our own on big replies (bench:netconf profile).
  for (const k in source) {
    // Namespace declarations are not data; elements and attributes are read by local name.
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    attrs[localName(k)] = source[k]!;
  }
  return attrs;
}

interface TreeNode {
  children: TreeNode[];
  text: string;
}

/** What the parser's handlers build into: set for one document, then cleared. */
interface TreeBuild {
  roots: TreeNode[];
  stack: TreeNode[];
  make: (tag: SaxesTagPlain) => TreeNode;
}

type TreeParser = { parser: SaxesParser<{ xmlns: false; position: false }>; build: TreeBuild };

const noMake = (): TreeNode => ({ children: [], text: '' });

function newTreeParser(): TreeParser {
  const build: TreeBuild = { roots: [], stack: [], make: noMake };
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
  parser.on('opentag', (tag) => {
    const node = build.make(tag);
    const parent = build.stack[build.stack.length - 1];
    if (parent) parent.children.push(node);
    else build.roots.push(node);
    build.stack.push(node);
  });
  parser.on('closetag', () => {
    build.stack.pop();
  });
  const onText = (text: string): void => {
    const top = build.stack[build.stack.length - 1];
    if (top) top.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  return { parser, build };
}

/**
 * A parser that finished its last document cleanly (saxes resets itself at the end of each), kept
 * for the next one: a new parser and its handlers per message were a third of what an RPC
 * allocated (bench:netconf heap profile). One that threw is dropped, its state unknown.
 */
let idleParser: TreeParser | undefined;

/**
 * Builds a tree from one streaming pass (saxes): `make` turns each open tag into a node; text and
 * CDATA (taken literally, never entity-decoded) are appended to the innermost open node. No
 * intermediate object per node, so a 1 MiB reply parses in about half the time fast-xml-parser
 * needed (bench:netconf). Throws the parser's error on malformed input.
 */
function treeOf<N extends { children: N[]; text: string }>(
  xml: string,
  make: (tag: SaxesTagPlain) => N,
): N[] {
  // Taken, not shared: parsing is synchronous, but a handler that parsed again would get its own.
  const tp = idleParser ?? newTreeParser();
  idleParser = undefined;
  const { build } = tp;
  build.roots = [];
  build.stack = [];
  build.make = make as unknown as TreeBuild['make'];
  tp.parser.write(xml).close();
  const roots = build.roots as unknown as N[];
  // Nothing of this document stays reachable from the idle parser.
  build.roots = [];
  build.stack = [];
  build.make = noMake;
  idleParser = tp;
  return roots;
}

/**
 * Parses one document and returns its root element. Refuses DTDs and entity declarations before
 * the parser sees them, and anything that does not have exactly one root element.
 */
export function parseXml(xml: string): XmlElement {
  // Anywhere in the document, not only the prolog, so nothing DTD-like reaches the parser. Most
  // replies hold no `<!` at all (no comment, CDATA or declaration): a plain search settles those.
  if (xml.includes('<!') && /<!(DOCTYPE|ENTITY)/i.test(xml)) {
    throw new XmlParseError('XML with a DTD or entity declaration is refused');
  }
  let roots: Building[];
  try {
    roots = treeOf<Building>(xml, (tag) => ({
      name: localName(tag.name),
      attrs: attributesOf(tag),
      children: [],
      text: '',
    }));
  } catch (err) {
    throw new XmlParseError(`malformed XML: ${(err as Error).message}`);
  }
  const root = roots[0];
  if (!root || roots.length !== 1)
    throw new XmlParseError(`expected one root element, found ${roots.length}`);
  return root;
}

// Small accessors for walking replies without repeating the same loops everywhere.
export function child(node: XmlElement | undefined, name: string): XmlElement | undefined {
  return node?.children.find((c) => c.name === name);
}

export function childrenNamed(node: XmlElement | undefined, name: string): XmlElement[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

export function path(node: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = node;
  for (const n of names) cur = child(cur, n);
  return cur;
}

export function childText(node: XmlElement | undefined, name: string): string | undefined {
  return child(node, name)?.text;
}

/** Re-serialises a parsed element (for logs and error info); values are escaped again. */
export function serialize(node: XmlElement): string {
  return el(
    node.name,
    node.attrs,
    node.text.trim() === '' && node.children.length > 0 ? undefined : node.text,
    ...node.children.map((c) => new XmlFragment(serialize(c))),
  ).xml;
}

interface PrettyNode {
  open: string;
  name: string;
  children: PrettyNode[];
  text: string;
}

/**
 * Indents a document for people to read (`dcagent plan`). Element names, prefixes and namespace
 * declarations stay exactly as sent; whitespace-only text between elements is dropped, any other
 * text is kept and escaped again. Input that does not parse is returned as it was.
 */
export function prettyXml(xml: string, indent = '  '): string {
  let roots: PrettyNode[];
  try {
    roots = treeOf<PrettyNode>(xml, (tag) => ({
      open: `${tag.name}${Object.entries(tag.attributes)
        .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
        .join('')}`,
      name: tag.name,
      children: [],
      text: '',
    }));
  } catch {
    return xml;
  }
  const lines: string[] = [];
  const emit = (n: PrettyNode, depth: number): void => {
    const pad = indent.repeat(depth);
    const text = n.text.trim() === '' ? '' : escapeXml(n.text);
    if (n.children.length === 0) {
      lines.push(text === '' ? `${pad}<${n.open}/>` : `${pad}<${n.open}>${text}</${n.name}>`);
      return;
    }
    lines.push(`${pad}<${n.open}>${text}`);
    for (const c of n.children) emit(c, depth + 1);
    lines.push(`${pad}</${n.name}>`);
  };
  for (const r of roots) emit(r, 0);
  return lines.join('\n');
}
