import { el, type XmlFragment } from '../xml/xml.js';

/**
 * Pure builders for RFC 6241 operations. Each returns the operation element only; the session
 * wraps it in `<rpc message-id=…>` when it sends it, so what `plan` prints is exactly what goes
 * on the wire inside that envelope.
 */

export const NETCONF_BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

export const CAP = {
  base10: 'urn:ietf:params:netconf:base:1.0',
  base11: 'urn:ietf:params:netconf:base:1.1',
  candidate: 'urn:ietf:params:netconf:capability:candidate:1.0',
  confirmedCommit10: 'urn:ietf:params:netconf:capability:confirmed-commit:1.0',
  confirmedCommit11: 'urn:ietf:params:netconf:capability:confirmed-commit:1.1',
  validate10: 'urn:ietf:params:netconf:capability:validate:1.0',
  validate11: 'urn:ietf:params:netconf:capability:validate:1.1',
  writableRunning: 'urn:ietf:params:netconf:capability:writable-running:1.0',
  rollbackOnError: 'urn:ietf:params:netconf:capability:rollback-on-error:1.0',
  notification: 'urn:ietf:params:netconf:capability:notification:1.0',
} as const;

const DATASTORES = ['running', 'candidate', 'startup'] as const;
export type Datastore = (typeof DATASTORES)[number];
export type DefaultOperation = 'merge' | 'replace' | 'none';
export type TestOption = 'test-then-set' | 'set' | 'test-only';
export type ErrorOption = 'stop-on-error' | 'continue-on-error' | 'rollback-on-error';

/** The whole message as sent (RFC 6241 §4.1). */
export function rpcEnvelope(messageId: string, operation: string): string {
  return `<rpc xmlns="${NETCONF_BASE_NS}" message-id="${messageId.replace(/[^0-9A-Za-z._-]/g, '')}">${operation}</rpc>`;
}

function datastore(name: Datastore): XmlFragment {
  return el(name);
}

/**
 * The operations that never vary (lock, unlock, discard, a plain commit) are built once, when the
 * module loads: the builder's escaping and name checks were a visible share of a transaction's own
 * CPU (bench:netconf profile), for strings that are the same every time. A Map, so a datastore
 * name that is not one (a caller outside TypeScript) finds nothing instead of a prototype member.
 */
const targeted = (op: 'lock' | 'unlock'): ReadonlyMap<string, string> =>
  new Map(DATASTORES.map((d) => [d, el(op, undefined, el('target', undefined, datastore(d))).xml]));
const LOCK = targeted('lock');
const UNLOCK = targeted('unlock');
const PLAIN_COMMIT = el('commit').xml;
const DISCARD_CHANGES = el('discard-changes').xml;

function fixedFor(ops: ReadonlyMap<string, string>, target: Datastore): string {
  const xml = ops.get(target);
  if (xml === undefined) throw new RangeError(`not a NETCONF datastore: ${JSON.stringify(target)}`);
  return xml;
}

/** A subtree filter (RFC 6241 §6); `subtree` is markup built by a platform with `el`. */
function filter(subtree: XmlFragment | undefined): XmlFragment | undefined {
  return subtree ? el('filter', { type: 'subtree' }, subtree) : undefined;
}

export function get(subtree?: XmlFragment): string {
  return el('get', undefined, filter(subtree)).xml;
}

export function getConfig(source: Datastore, subtree?: XmlFragment): string {
  return el('get-config', undefined, el('source', undefined, datastore(source)), filter(subtree)).xml;
}

export interface EditConfigOptions {
  target: Datastore;
  /** The content of `<config>`: the platform's payload. */
  config: XmlFragment;
  defaultOperation?: DefaultOperation;
  testOption?: TestOption;
  errorOption?: ErrorOption;
}

export function editConfig(o: EditConfigOptions): string {
  // RFC 6241 §7.2 fixes the child order: target, default-operation, test-option, error-option, config.
  return el(
    'edit-config',
    undefined,
    el('target', undefined, datastore(o.target)),
    o.defaultOperation ? el('default-operation', undefined, o.defaultOperation) : undefined,
    o.testOption ? el('test-option', undefined, o.testOption) : undefined,
    o.errorOption ? el('error-option', undefined, o.errorOption) : undefined,
    el('config', { 'xmlns:nc': NETCONF_BASE_NS }, o.config),
  ).xml;
}

export function lock(target: Datastore): string {
  return fixedFor(LOCK, target);
}

export function unlock(target: Datastore): string {
  return fixedFor(UNLOCK, target);
}

export function validate(source: Datastore): string {
  return el('validate', undefined, el('source', undefined, datastore(source))).xml;
}

export interface CommitOptions {
  confirmed?: boolean;
  /** Seconds; RFC default 600 when omitted with `confirmed`. */
  confirmTimeout?: number;
  /** Makes a confirmed commit survive the session (confirmed-commit:1.1). */
  persist?: string;
  /** Confirms or extends a persistent confirmed commit from any session. */
  persistId?: string;
}

export function commit(o: CommitOptions = {}): string {
  if (o.confirmTimeout !== undefined && (!Number.isInteger(o.confirmTimeout) || o.confirmTimeout < 1)) {
    throw new RangeError('confirm-timeout must be a positive integer number of seconds');
  }
  if (!o.confirmed && o.persist === undefined && o.persistId === undefined) {
    return PLAIN_COMMIT;
  }
  return el(
    'commit',
    undefined,
    o.confirmed ? el('confirmed') : undefined,
    o.confirmed && o.confirmTimeout !== undefined
      ? el('confirm-timeout', undefined, String(o.confirmTimeout))
      : undefined,
    o.persist !== undefined ? el('persist', undefined, o.persist) : undefined,
    o.persistId !== undefined ? el('persist-id', undefined, o.persistId) : undefined,
  ).xml;
}

export function cancelCommit(persistId?: string): string {
  return el(
    'cancel-commit',
    undefined,
    persistId !== undefined ? el('persist-id', undefined, persistId) : undefined,
  ).xml;
}

export function discardChanges(): string {
  return DISCARD_CHANGES;
}

export function closeSession(): string {
  return el('close-session').xml;
}

export function killSession(sessionId: number): string {
  if (!Number.isInteger(sessionId) || sessionId < 1)
    throw new RangeError('session-id must be a positive integer');
  return el('kill-session', undefined, el('session-id', undefined, String(sessionId))).xml;
}

/**
 * A harmless RPC: reads running through a filter that matches nothing. Sent only to make a server
 * that sat on our first RPC look at its input again (see NetconfSession's first-reply watchdog).
 */
export function nudge(): string {
  return getConfig('running', el('nudge', { xmlns: 'urn:dcagent:nudge' }));
}

/** Our hello (RFC 6241 §8.1): we speak both framings and let the peer's list decide. */
export function hello(capabilities: readonly string[] = [CAP.base10, CAP.base11]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${
    el(
      'hello',
      { xmlns: NETCONF_BASE_NS },
      el('capabilities', undefined, ...capabilities.map((c) => el('capability', undefined, c))),
    ).xml
  }`;
}

/** The operation name of a built RPC, for counting and error messages. */
export function operationName(operationXml: string): string {
  // A scan, not a regular expression: it runs for every RPC, and the match array it made was a
  // visible cost of its own in the bench:netconf profile.
  if (operationXml.charCodeAt(0) !== 0x3c || !isNameStart(operationXml.charCodeAt(1))) return 'rpc';
  let end = 2;
  while (end < operationXml.length && isNameChar(operationXml.charCodeAt(end))) end++;
  return operationXml.slice(1, end);
}

function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** `[A-Za-z0-9_.:-]`, the characters the regular expression this replaced took. */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2e || c === 0x2d;
}
