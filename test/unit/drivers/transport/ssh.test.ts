import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyAuthMethod, type KeyboardInteractiveAuthMethod, utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../../core/secret.js';
import {
  authMethods,
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

  it('sets the connect deadline and keepalive from the target', () => {
    const c = sshConnectConfig(t, verify);
    expect(c).toMatchObject({ readyTimeout: 7_000, keepaliveInterval: 15_000, keepaliveCountMax: 3 });
    expect(c.hostVerifier).toBe(verify);
    expect(c.algorithms).toBeUndefined();
    // Credentials travel only inside the login methods, never as ssh2's own fields.
    expect(c.password).toBeUndefined();
    expect(c.privateKey).toBeUndefined();
  });

  it('logs in with the password, then keyboard-interactive answering it, and never probes with none', () => {
    const methods = sshConnectConfig(t, verify).authHandler as AnyAuthMethod[];
    expect(methods.map((m) => m.type)).toEqual(['password', 'keyboard-interactive']);
    expect(methods[0]).toEqual({ type: 'password', username: 'u', password: 'pw-123456' });
    const answers: string[][] = [];
    (methods[1] as KeyboardInteractiveAuthMethod).prompt(
      '',
      '',
      '',
      [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Again: ', echo: false },
      ],
      (a) => answers.push(a),
    );
    expect(answers).toEqual([['pw-123456', 'pw-123456']]);
  });

  it('adds group14-sha1, aes-cbc and ssh-rsa only when legacyAlgorithms is on, after the defaults', () => {
    const c = sshConnectConfig({ ...t, legacyAlgorithms: true }, verify);
    expect(c.algorithms).toEqual({
      kex: { append: ['diffie-hellman-group14-sha1'], prepend: [], remove: [] },
      cipher: { append: ['aes128-cbc', 'aes256-cbc'], prepend: [], remove: [] },
      serverHostKey: { append: ['ssh-rsa'], prepend: [], remove: [] },
    });
  });

  it('parses an encrypted key with its passphrase once per configured key, and offers it first', () => {
    const { private: pem } = utils.generateKeyPairSync('ed25519', {
      passphrase: 'phrase-1',
      cipher: 'aes256-cbc',
      rounds: 4,
    });
    const key = new Secret(pem);
    const passphrase = new Secret('phrase-1');
    const target = { ...t, privateKey: key, passphrase };
    const first = authMethods(target);
    expect(first.map((m) => m.type)).toEqual(['publickey', 'password', 'keyboard-interactive']);
    const parsed = (first[0] as { key: { isPrivateKey(): boolean } }).key;
    expect(parsed.isPrivateKey()).toBe(true);
    // The same config's key is the same parsed object on the next connect: no second parse.
    expect((authMethods(target)[0] as { key: unknown }).key).toBe(parsed);
    // A reloaded config (new Secret objects) is parsed afresh.
    expect((authMethods({ ...target, privateKey: new Secret(pem) })[0] as { key: unknown }).key).not.toBe(
      parsed,
    );
  });

  it('refuses a key it cannot parse or decrypt, naming neither key nor passphrase', () => {
    expect(() => authMethods({ ...t, password: undefined, privateKey: new Secret('KEY') })).toThrow(
      /cannot parse the private key/,
    );
    const { private: pem } = utils.generateKeyPairSync('ed25519', {
      passphrase: 'phrase-1',
      cipher: 'aes256-cbc',
      rounds: 4,
    });
    let message = '';
    try {
      authMethods({ ...t, privateKey: new Secret(pem), passphrase: new Secret('wrong-phrase') });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/cannot parse the private key/);
    expect(message).not.toContain('wrong-phrase');
    expect(message).not.toContain(pem.slice(40, 80));
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
