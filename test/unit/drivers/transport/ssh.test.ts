import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapSshError, sshFingerprint } from '../../../../drivers/transport/ssh.js';

const where = { deviceId: 'd', host: 'h', port: 830 };

describe('ssh transport helpers', () => {
  it('computes the same SHA256 fingerprint as ssh-keygen -lf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const blob = Buffer.from(readFileSync(join(dir, 'k.pub'), 'utf8').split(' ')[1]!, 'base64');
      const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(
        ' ',
      )[1];
      expect(sshFingerprint(blob)).toBe(expected);
      expect(sshFingerprint(blob)).not.toContain('=');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      { level: 'client-authentication', message: 'All configured authentication methods failed' },
      'auth-failed',
    ],
    [{ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, 'timeout'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'unreachable'],
    [{ code: 'EHOSTUNREACH', message: 'x' }, 'unreachable'],
    [{ code: 'ENOTFOUND', message: 'x' }, 'unreachable'],
    [{ code: 'ETIMEDOUT', message: 'x' }, 'timeout'],
  ])('maps %j to %s', (err, code) => {
    expect(mapSshError(Object.assign(new Error(err.message), err), where).code).toBe(code);
  });
});
