import { describe, expect, it } from 'vitest';
import { DcAgentError } from '../../../../core/errors.js';
import { isNetconfRpcError, NetconfRpcError } from '../../../../drivers/netconf/rpc-error.js';

const lockDenied = () =>
  new NetconfRpcError('lock-denied', 'lock', [
    { type: 'protocol', tag: 'lock-denied', severity: 'error', info: { 'session-id': '12' } },
  ]);

describe('NetconfRpcError', () => {
  it('keeps the device rpc-error whole', () => {
    const e = lockDenied();
    expect(e.retryable).toBe(true);
    expect(e.errors[0]?.info).toEqual({ 'session-id': '12' });
    expect(e.message).toBe('lock failed: lock-denied');
  });

  it('is matched by code and shape, so a copy that lost its class still matches', () => {
    const e = lockDenied();
    const copy = { ...e.toJSON(), errors: e.errors };
    expect(isNetconfRpcError(e, 'lock-denied')).toBe(true);
    expect(isNetconfRpcError(copy, 'lock-denied')).toBe(true);
    expect(isNetconfRpcError(e, 'rpc-error')).toBe(false);
    expect(isNetconfRpcError(new DcAgentError('lock-denied', 'no rpc-errors'), 'lock-denied')).toBe(false);
  });
});
