import { z } from 'zod';
import type { FailureCode } from '../../core/errors.js';
import { child, childrenNamed, childText, serialize, type XmlElement, XmlParseError } from '../xml/xml.js';
import { NetconfRpcError, type RpcErrorInfo } from './rpc-error.js';

/**
 * Parsers for what a NETCONF server sends: hello, rpc-reply (ok, data, rpc-error) and
 * notifications. Every `<rpc-error>` becomes a typed NetconfRpcError with all the fields the
 * device gave, so operators see the device's own words.
 */

export interface ServerHello {
  sessionId: number;
  capabilities: string[];
}

const helloSchema = z.object({
  sessionId: z.number().int().min(1).max(4_294_967_295),
  capabilities: z.array(z.string().min(1)).min(1, 'a hello must list at least one capability'),
});

export function parseHello(root: XmlElement): ServerHello {
  if (root.name !== 'hello') throw new XmlParseError(`expected <hello>, got <${root.name}>`);
  const caps = childrenNamed(child(root, 'capabilities'), 'capability').map((c) => c.text.trim());
  const sid = childText(root, 'session-id')?.trim();
  const parsed = helloSchema.safeParse({
    sessionId: sid !== undefined && /^\d+$/.test(sid) ? Number(sid) : Number.NaN,
    capabilities: caps,
  });
  if (!parsed.success) {
    throw new XmlParseError(
      `invalid server hello: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'hello'} ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

const rpcErrorSchema = z.object({
  type: z.string().min(1),
  tag: z.string().min(1),
  severity: z.string().min(1),
  appTag: z.string().optional(),
  path: z.string().optional(),
  message: z.string().optional(),
  info: z.record(z.string(), z.unknown()).optional(),
});

function infoOf(node: XmlElement | undefined): Record<string, unknown> | undefined {
  if (!node || node.children.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const c of node.children) {
    const value = c.children.length > 0 ? serialize(c) : c.text.trim();
    const prev = out[c.name];
    if (prev === undefined) out[c.name] = value;
    else out[c.name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export function parseRpcErrors(reply: XmlElement): RpcErrorInfo[] {
  return childrenNamed(reply, 'rpc-error').map((e) => {
    const raw = {
      type: childText(e, 'error-type')?.trim() || 'unknown',
      tag: childText(e, 'error-tag')?.trim() || 'unknown',
      severity: childText(e, 'error-severity')?.trim() || 'error',
      appTag: childText(e, 'error-app-tag')?.trim() || undefined,
      path: childText(e, 'error-path')?.trim() || undefined,
      message: childText(e, 'error-message')?.trim() || undefined,
      info: infoOf(child(e, 'error-info')),
    };
    const info = rpcErrorSchema.parse(raw);
    // Drop absent optionals so the errors compare and serialise cleanly.
    return Object.fromEntries(
      Object.entries(info).filter(([, v]) => v !== undefined),
    ) as unknown as RpcErrorInfo;
  });
}

/** Tags that mean "someone else holds what you need" (RFC 6241 Appendix A). */
const LOCK_TAGS = new Set(['lock-denied', 'in-use']);

/** Which contract code an rpc-error deserves, from the operation and the device's tags. */
export function classifyRpcErrors(operation: string, errors: readonly RpcErrorInfo[]): FailureCode {
  if (errors.some((e) => LOCK_TAGS.has(e.tag))) return 'lock-denied';
  if (operation === 'commit' || operation === 'cancel-commit') return 'commit-failed';
  return 'rpc-error';
}

export function rpcErrorFor(
  operation: string,
  errors: readonly RpcErrorInfo[],
  device?: string,
): NetconfRpcError {
  const code = classifyRpcErrors(operation, errors);
  return new NetconfRpcError(code, operation, errors, {
    details: { operation, ...(device ? { device } : {}), errors },
  });
}

export interface RpcReply {
  messageId: string;
  /** The `<rpc-reply>` element. */
  root: XmlElement;
  ok: boolean;
  /** Errors of every severity; callers fail on severity "error" only. */
  errors: RpcErrorInfo[];
}

export function parseRpcReply(root: XmlElement): RpcReply {
  if (root.name !== 'rpc-reply') throw new XmlParseError(`expected <rpc-reply>, got <${root.name}>`);
  return {
    messageId: root.attrs['message-id'] ?? '',
    root,
    ok: child(root, 'ok') !== undefined,
    errors: parseRpcErrors(root),
  };
}

// XML's own whitespace; `\s` would also take characters XML treats as text. A CR falls through to
// the parser, which normalises it.
const WS = '[ \\t\\n]';
const XML_DECL = `<\\?xml${WS}+version=(["'])1\\.0\\1(?:${WS}+encoding=(["'])[A-Za-z][\\w.-]*\\2)?(?:${WS}+standalone=(["'])(?:yes|no)\\3)?${WS}*\\?>`;
// What an attribute value may hold here: no markup, no reference, no control character, tab, LF
// or CR (the parser refuses controls and normalises the others), no U+FFFE/U+FFFF and no
// surrogate: lone ones the parser refuses, and pairs, which are legal, are simply left to it.
const VALUE_CHAR = '<&\\x00-\\x1F\\uD800-\\uDFFF\\uFFFE\\uFFFF';
const ATTRIBUTE = `${WS}+[A-Za-z_][\\w.:-]*${WS}*=${WS}*(?:"[^"${VALUE_CHAR}]*"|'[^'${VALUE_CHAR}]*')`;
const BARE_OK = new RegExp(
  `^(?:${XML_DECL})?${WS}*<rpc-reply((?:${ATTRIBUTE})*)${WS}*>(${WS}*)<ok${WS}*/>(${WS}*)</rpc-reply${WS}*>${WS}*$`,
);
const ATTRIBUTES = new RegExp(`${WS}+([A-Za-z_][\\w.:-]*)${WS}*=${WS}*(?:"([^"]*)"|'([^']*)')`, 'g');
/** Far above any bare reply (netconfd's is under 200 characters); bounds the expression's backtracking. */
const BARE_OK_MAX_CHARS = 1024;

/**
 * A bare `<rpc-reply message-id=…><ok/></rpc-reply>`, most of what a transaction gets back, read
 * without the parser: the same element `parseXml` would build, or undefined for anything else
 * (prefixes, entities, CR, other attributes, errors, data), which then goes to the parser. The
 * parser was the largest share of our own CPU per RPC in the bench:netconf profile.
 */
export function bareOkReply(text: string): XmlElement | undefined {
  if (text.length > BARE_OK_MAX_CHARS) return undefined;
  const m = BARE_OK.exec(text);
  if (!m) return undefined;
  let messageId: string | undefined;
  const seen: string[] = [];
  const attributes = m[4]!;
  // exec with lastIndex, not matchAll: matchAll clones the expression on every call.
  ATTRIBUTES.lastIndex = 0;
  for (let a = ATTRIBUTES.exec(attributes); a !== null; a = ATTRIBUTES.exec(attributes)) {
    const name = a[1]!;
    // The parser refuses a repeated attribute, namespace declarations included.
    if (seen.includes(name)) return undefined;
    seen.push(name);
    if (name === 'message-id') messageId = a[2] ?? a[3]!;
    // Any attribute that is not a namespace declaration is the parser's to judge (it reads
    // attributes by local name, so `nc:message-id` would count as the message-id).
    else if (name !== 'xmlns' && !name.startsWith('xmlns:')) return undefined;
  }
  if (messageId === undefined) return undefined;
  return {
    name: 'rpc-reply',
    attrs: { 'message-id': messageId },
    children: [{ name: 'ok', attrs: {}, children: [], text: '' }],
    text: m[5]! + m[6]!,
  };
}

/** The `<data>` of a get/get-config reply; an empty element when the device returned nothing. */
export function dataOf(reply: RpcReply): XmlElement {
  return child(reply.root, 'data') ?? { name: 'data', attrs: {}, children: [], text: '' };
}

export interface Notification {
  eventTime?: string;
  /** The event elements (everything but eventTime). */
  events: XmlElement[];
  root: XmlElement;
}

export function parseNotification(root: XmlElement): Notification {
  const eventTime = childText(root, 'eventTime')?.trim();
  return {
    ...(eventTime ? { eventTime } : {}),
    events: root.children.filter((c) => c.name !== 'eventTime'),
    root,
  };
}
