import { describe, expect, it } from 'vitest';
import { FAILURE_CODES } from '../../../contract/failure-codes.js';
import {
  DcAgentError,
  hasCode,
  InvalidJobError,
  isDcAgentError,
  LifecycleError,
  RETRYABLE_BY_DEFAULT,
} from '../../../core/errors.js';

describe('error hierarchy', () => {
  it('every contract failure code has a retry default', () => {
    for (const code of FAILURE_CODES) expect(typeof RETRYABLE_BY_DEFAULT[code]).toBe('boolean');
    expect(RETRYABLE_BY_DEFAULT['invalid-job']).toBe(false);
    expect(RETRYABLE_BY_DEFAULT['lock-denied']).toBe(true);
    expect(RETRYABLE_BY_DEFAULT.timeout).toBe(true);
    expect(RETRYABLE_BY_DEFAULT['host-key-mismatch']).toBe(false);
    // CONTRACT §4: Redis away while a job ran; every job is idempotent.
    expect(RETRYABLE_BY_DEFAULT['backend-unavailable']).toBe(true);
    // A component closed under a running job (drain deadline) says nothing about the job.
    expect(new LifecycleError('the NETCONF pool is closed').retryable).toBe(true);
  });

  it('matches by code and name, also for plain objects that crossed a serialisation boundary', () => {
    const e = new DcAgentError('timeout', 'rpc timed out');
    const revived = JSON.parse(JSON.stringify(e));
    expect(revived).toMatchObject({ name: 'DcAgentError', code: 'timeout', retryable: true });
    expect(isDcAgentError(revived)).toBe(true);
    expect(hasCode(revived, 'timeout', 'unreachable')).toBe(true);
    expect(hasCode(revived, 'rpc-error')).toBe(false);
    expect(isDcAgentError(new Error('x'))).toBe(false);
    expect(isDcAgentError({ code: 'ENOENT', retryable: false, message: 'x' })).toBe(false);
  });

  it('an explicit retryable wins over the default', () => {
    expect(new DcAgentError('rpc-error', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('InvalidJobError names every field and is never retryable', () => {
    const e = new InvalidJobError([
      { path: 'connectionId', message: 'bad' },
      { path: 'port', message: 'required' },
    ]);
    expect(e).toMatchObject({ code: 'invalid-job', retryable: false, name: 'InvalidJobError' });
    expect(e.message).toContain('connectionId: bad');
    expect(e.message).toContain('port: required');
  });
});
