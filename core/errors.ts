/**
 * The project's one error hierarchy. Every device, library or input error is translated into a
 * DcAgentError at the edge, so callers decide on `code` and `retryable` alone. Matching goes by
 * `code` (isDcAgentError, hasCode: a known code, a boolean `retryable` and a message), never by
 * class, because errors cross module copies, worker threads and BullMQ's serialisation.
 */

import { FAILURE_CODES, type FailureCode } from '../contract/failure-codes.js';

// Drivers name the codes they raise; the list itself belongs to the contract.
export type { FailureCode };

/** Codes that never reach an event: they stop the process or a command before any job runs. */
export const INTERNAL_CODES = ['invalid-config', 'usage', 'lifecycle', 'internal'] as const;
export type InternalCode = (typeof INTERNAL_CODES)[number];

export type ErrorCode = FailureCode | InternalCode;

/** Whether a job that failed with this code is worth another attempt, unless the error says otherwise. */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<ErrorCode, boolean>> = Object.freeze({
  'invalid-job': false,
  'unknown-device': false,
  'unknown-port': false,
  'port-in-use': false,
  // Credentials and pinned keys do not fix themselves; retrying only hammers the device's AAA.
  'auth-failed': false,
  'host-key-mismatch': false,
  unreachable: true,
  timeout: true,
  'lock-denied': true,
  'rpc-error': false,
  'commit-failed': true,
  // A device that acknowledged but did not apply is often mid-commit from someone else; the
  // confirmed commit rolls back, so a later attempt starts clean.
  'verify-failed': true,
  'unsupported-platform': false,
  // Redis away mid-job: every job is idempotent, so the next attempt finishes what this one began.
  'backend-unavailable': true,
  // A bug does not fix itself between attempts.
  'internal-error': false,
  'invalid-config': false,
  usage: false,
  // A component closed under a running job (the drain deadline): the job itself was fine, and a
  // replica (or this one after restart) must finish it.
  lifecycle: true,
  internal: false,
});

export interface ErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Structured, secret-free context (device id, port, rpc tag, …) for logs and events. */
  details?: Readonly<Record<string, unknown>>;
}

export class DcAgentError extends Error {
  override readonly name: string = 'DcAgentError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

/** One problem with an input, named by its path (`devices[0].netconf.port`, `description`). */
export interface FieldIssue {
  path: string;
  message: string;
}

function listIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}

export class InvalidJobError extends DcAgentError {
  override readonly name = 'InvalidJobError';
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], options: ErrorOptions = {}) {
    super('invalid-job', `invalid job data: ${listIssues(issues)}`, { ...options, retryable: false });
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * The outbox refused an event that failed its own schema: a bug of the agent. `reported` says
 * whether a final `*.failed` event with code `internal-error` was published in its place, so the
 * job that produced it must not publish another one.
 */
export class EventRefusedError extends DcAgentError {
  override readonly name = 'EventRefusedError';
  readonly reported: boolean;
  constructor(message: string, reported: boolean, options: ErrorOptions = {}) {
    super('internal-error', message, { ...options, retryable: false });
    this.reported = reported;
  }
}

export class ConfigError extends DcAgentError {
  override readonly name = 'ConfigError';
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], options: ErrorOptions = {}) {
    super('invalid-config', `invalid configuration: ${listIssues(issues)}`, { ...options, retryable: false });
    this.issues = Object.freeze([...issues]);
  }
}

export class UsageError extends DcAgentError {
  override readonly name = 'UsageError';
  constructor(message: string, options: ErrorOptions = {}) {
    super('usage', message, options);
  }
}

export class LifecycleError extends DcAgentError {
  override readonly name = 'LifecycleError';
  constructor(message: string, options: ErrorOptions = {}) {
    super('lifecycle', message, options);
  }
}

export function isDcAgentError(err: unknown): err is DcAgentError {
  if (err instanceof DcAgentError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; retryable?: unknown; message?: unknown };
  return (
    typeof e.code === 'string' &&
    (FAILURE_CODES as readonly string[]).concat(INTERNAL_CODES).includes(e.code) &&
    typeof e.retryable === 'boolean' &&
    typeof e.message === 'string'
  );
}

export function hasCode(err: unknown, ...codes: ErrorCode[]): boolean {
  return isDcAgentError(err) && codes.includes(err.code);
}

/** The message of anything thrown, for places that must report a foreign error without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/**
 * What went wrong between the agent and Redis, as operators act on it: fix the credentials
 * (`auth`), the ACL (`permission`), the certificates (`tls`), or the network (`unreachable`).
 */
export type RedisFaultKind = 'auth' | 'permission' | 'tls' | 'unreachable';

/** A Redis failure already phrased as one line that names the server (never its password). */
export class RedisAccessError extends DcAgentError {
  override readonly name = 'RedisAccessError';
  readonly kind: RedisFaultKind;
  constructor(kind: RedisFaultKind, message: string, options: ErrorOptions = {}) {
    super(kind === 'unreachable' ? 'unreachable' : 'auth-failed', message, options);
    this.kind = kind;
  }
}
