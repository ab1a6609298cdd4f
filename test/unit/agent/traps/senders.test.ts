import { describe, expect, it } from 'vitest';
import { SenderDirectory } from '../../../../agent/traps/senders.js';

describe('SenderDirectory', () => {
  const dir = new SenderDirectory([
    { device: 'a', addresses: ['10.0.0.1'], community: 'ca' },
    { device: 'b', addresses: ['10.0.0.1'], community: 'cb' },
    { device: 'c', addresses: ['10.0.0.2'], user: 'trapper' },
  ]);

  it('tells devices sharing an address apart by community', () => {
    expect(dir.match('10.0.0.1', { community: 'ca' })).toEqual({ ok: true, device: 'a' });
    expect(dir.match('10.0.0.1', { community: 'cb' })).toEqual({ ok: true, device: 'b' });
  });

  it('matches a v3 sender by user, and reads an IPv4-mapped address as IPv4', () => {
    expect(dir.match('::ffff:10.0.0.2', { user: 'trapper' })).toEqual({ ok: true, device: 'c' });
  });

  it('refuses an unknown address, and wrong credentials naming a device only when unambiguous', () => {
    expect(dir.match('10.9.9.9', { community: 'ca' })).toEqual({
      ok: false,
      result: 'unknown-sender',
      device: '',
    });
    expect(dir.match('10.0.0.1', { community: 'zz' })).toEqual({
      ok: false,
      result: 'bad-credentials',
      device: '',
    });
    expect(dir.match('10.0.0.2', { user: 'other' })).toEqual({
      ok: false,
      result: 'bad-credentials',
      device: 'c',
    });
    expect(dir.match('10.0.0.2', { community: 'ca' })).toEqual({
      ok: false,
      result: 'bad-credentials',
      device: 'c',
    });
  });
});
