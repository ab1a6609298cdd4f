import { el, type XmlFragment } from '../../drivers/xml/xml.js';

/**
 * `<rpc-error>` as a real server shapes it (RFC 6241 §4.3 and Appendix A). The lab throws these
 * from anywhere in the datastore code; the session turns them into the reply, so every refusal a
 * client can meet carries the tag, type, path and info a production device would send.
 */

export type ErrorType = 'transport' | 'rpc' | 'protocol' | 'application';

export type ErrorTag =
  | 'in-use'
  | 'invalid-value'
  | 'too-big'
  | 'missing-attribute'
  | 'bad-attribute'
  | 'unknown-attribute'
  | 'missing-element'
  | 'bad-element'
  | 'unknown-element'
  | 'unknown-namespace'
  | 'access-denied'
  | 'lock-denied'
  | 'resource-denied'
  | 'rollback-failed'
  | 'data-exists'
  | 'data-missing'
  | 'operation-not-supported'
  | 'operation-failed'
  | 'malformed-message';

export interface RpcErrorSpec {
  type: ErrorType;
  tag: ErrorTag;
  message: string;
  appTag?: string;
  /** An instance-identifier; `pathNamespaces` declares the prefixes it uses. */
  path?: string;
  pathNamespaces?: Readonly<Record<string, string>>;
  /** `<error-info>` children, e.g. session-id, bad-element. */
  info?: Readonly<Record<string, string>>;
}

export class NetconfError extends Error {
  override readonly name = 'NetconfError';
  readonly specs: readonly RpcErrorSpec[];

  constructor(spec: RpcErrorSpec | readonly RpcErrorSpec[]) {
    const specs = Array.isArray(spec) ? (spec as readonly RpcErrorSpec[]) : [spec as RpcErrorSpec];
    super(specs.map((s) => `${s.tag}: ${s.message}`).join('; '));
    this.specs = specs;
  }
}

export function isNetconfError(err: unknown): err is NetconfError {
  return err instanceof NetconfError;
}

export function renderRpcError(s: RpcErrorSpec): XmlFragment {
  const pathAttrs: Record<string, string> = {};
  for (const [prefix, ns] of Object.entries(s.pathNamespaces ?? {})) pathAttrs[`xmlns:${prefix}`] = ns;
  return el(
    'rpc-error',
    undefined,
    el('error-type', undefined, s.type),
    el('error-tag', undefined, s.tag),
    el('error-severity', undefined, 'error'),
    s.appTag ? el('error-app-tag', undefined, s.appTag) : undefined,
    s.path ? el('error-path', pathAttrs, s.path) : undefined,
    el('error-message', { 'xml:lang': 'en' }, s.message),
    s.info && Object.keys(s.info).length > 0
      ? el('error-info', undefined, ...Object.entries(s.info).map(([k, v]) => el(k, undefined, v)))
      : undefined,
  );
}

// Shorthands for the refusals the lab gives most, worded the way operators read them in logs.

/** Another session holds the datastore: lock-denied for `<lock>`, in-use for anything else. */
function heldBy(tag: 'lock-denied' | 'in-use', target: string, holder: number): NetconfError {
  return new NetconfError({
    type: 'protocol',
    tag,
    message: `the ${target} datastore is locked by session ${holder}`,
    info: { 'session-id': String(holder) },
  });
}

export const lockDenied = (target: string, holder: number): NetconfError =>
  heldBy('lock-denied', target, holder);
export const inUse = (target: string, holder: number): NetconfError => heldBy('in-use', target, holder);

export function notSupported(what: string, type: ErrorType = 'protocol'): NetconfError {
  return new NetconfError({ type, tag: 'operation-not-supported', message: `${what} is not supported` });
}

export function missingElement(element: string, message = `<${element}> is required`): NetconfError {
  return new NetconfError({
    type: 'protocol',
    tag: 'missing-element',
    message,
    info: { 'bad-element': element },
  });
}

export function badElement(element: string, message: string): NetconfError {
  return new NetconfError({
    type: 'protocol',
    tag: 'bad-element',
    message,
    info: { 'bad-element': element },
  });
}

export function operationFailed(message: string, type: ErrorType = 'application'): NetconfError {
  return new NetconfError({ type, tag: 'operation-failed', message });
}
