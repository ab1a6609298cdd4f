import { DcAgentError, type ErrorOptions, type FailureCode, isDcAgentError } from '../../core/errors.js';

/** One `<rpc-error>` of RFC 6241 §4.3, kept whole so operators see what the device said. */
export interface RpcErrorInfo {
  type: string;
  tag: string;
  severity: string;
  appTag?: string;
  path?: string;
  message?: string;
  info?: Record<string, unknown>;
}

/** A device's rpc-error reply as a project error: a contract code plus every rpc-error it sent. */
export class NetconfRpcError extends DcAgentError {
  override readonly name = 'NetconfRpcError';
  readonly errors: readonly RpcErrorInfo[];
  constructor(
    code: FailureCode,
    operation: string,
    errors: readonly RpcErrorInfo[],
    options: ErrorOptions = {},
  ) {
    const first = errors[0];
    const text = first
      ? `${first.tag}${first.message ? `: ${first.message}` : ''}${first.path ? ` (at ${first.path})` : ''}`
      : 'rpc-error without detail';
    super(code, `${operation} failed: ${text}`, options);
    this.errors = Object.freeze([...errors]);
  }
}

/**
 * A project error with `code` among `codes` that carries the device's rpc-errors. Matched by code
 * and shape, as every project error is (core/errors.ts), not by class identity.
 */
export function isNetconfRpcError(err: unknown, ...codes: FailureCode[]): err is NetconfRpcError {
  return (
    isDcAgentError(err) &&
    (codes as readonly string[]).includes(err.code) &&
    Array.isArray((err as { errors?: unknown }).errors)
  );
}
