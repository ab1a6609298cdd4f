import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED, Secret, scrubSecrets } from '../../../core/secret.js';

describe('Secret', () => {
  it('prints as [REDACTED] in every form but reveal()', () => {
    const s = new Secret('sup3r-s3cret');
    expect(String(s)).toBe(REDACTED);
    expect(`${s}`).toBe(REDACTED);
    expect(JSON.stringify({ s })).toBe(`{"s":"${REDACTED}"}`);
    expect(inspect({ s })).not.toContain('sup3r');
    expect(s.reveal()).toBe('sup3r-s3cret');
  });

  it('registered secrets are scrubbed from text, raw, JSON-escaped and URL-encoded', () => {
    new Secret('a"b/c d');
    expect(scrubSecrets('x a"b/c d y')).toBe(`x ${REDACTED} y`);
    expect(scrubSecrets('x a\\"b/c d y')).toBe(`x ${REDACTED} y`);
    expect(scrubSecrets(`x ${encodeURIComponent('a"b/c d')} y`)).toBe(`x ${REDACTED} y`);
    expect(scrubSecrets('nothing here')).toBe('nothing here');
  });
});
