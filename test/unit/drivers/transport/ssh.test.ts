import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../../core/secret.js';
import {
  mapSshError,
  type SshTarget,
  sshConnectConfig,
  sshFingerprint,
  sshTargetFrom,
} from '../../../../drivers/transport/ssh.js';

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

describe('ssh2 options', () => {
  const t: SshTarget = {
    deviceId: 'd',
    host: 'h',
    port: 830,
    username: 'u',
    password: new Secret('pw-123456'),
    hostKey: `SHA256:${'a'.repeat(43)}`,
    connectTimeoutMs: 7_000,
    keepaliveIntervalMs: 15_000,
  };
  const verify = () => true;

  it('sets the connect deadline, keepalive and password (with keyboard-interactive) from the target', () => {
    const c = sshConnectConfig(t, verify);
    expect(c).toMatchObject({
      readyTimeout: 7_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      password: 'pw-123456',
      tryKeyboard: true,
    });
    expect(c.hostVerifier).toBe(verify);
    expect(c.algorithms).toBeUndefined();
    expect(c.privateKey).toBeUndefined();
  });

  it('adds group14-sha1, aes-cbc and ssh-rsa only when legacyAlgorithms is on, after the defaults', () => {
    const c = sshConnectConfig({ ...t, legacyAlgorithms: true }, verify);
    expect(c.algorithms).toEqual({
      kex: { append: ['diffie-hellman-group14-sha1'], prepend: [], remove: [] },
      cipher: { append: ['aes128-cbc', 'aes256-cbc'], prepend: [], remove: [] },
      serverHostKey: { append: ['ssh-rsa'], prepend: [], remove: [] },
    });
  });

  it('passes a key and its passphrase', () => {
    const c = sshConnectConfig(
      { ...t, password: undefined, privateKey: new Secret('KEY'), passphrase: new Secret('phrase-1') },
      verify,
    );
    expect(c).toMatchObject({ privateKey: 'KEY', passphrase: 'phrase-1' });
    expect(c.password).toBeUndefined();
  });
});

describe('sshTargetFrom', () => {
  const base = {
    port: 22,
    connectTimeoutMs: 1000,
    keepaliveIntervalMs: 0,
    insecureAcceptAnyHostKey: false,
    legacyAlgorithms: true,
  };
  it('copies only the credentials that are set, as the same Secret objects', () => {
    const password = new Secret('pw');
    const t = sshTargetFrom('d', 'h', {
      ...base,
      hostKey: 'SHA256:x',
      credentials: { username: 'u', password },
    });
    expect(t).toEqual({ deviceId: 'd', host: 'h', username: 'u', password, hostKey: 'SHA256:x', ...base });
    expect(t.password).toBe(password);
    expect('privateKey' in t || 'passphrase' in t).toBe(false);
  });
});
