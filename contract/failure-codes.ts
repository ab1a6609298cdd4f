/** Failure codes of CONTRACT §4; they appear verbatim in `*.failed` events. */
export const FAILURE_CODES = [
  'invalid-job',
  'unknown-device',
  'unknown-port',
  'port-in-use',
  'auth-failed',
  'host-key-mismatch',
  'unreachable',
  'timeout',
  'lock-denied',
  'rpc-error',
  'commit-failed',
  'verify-failed',
  'unsupported-platform',
  'backend-unavailable',
  // The agent's own fault, such as an event that failed its own schema (CONTRACT §4).
  'internal-error',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];
