import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBin, runCli } from '../../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dcagent-check-'));
function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD_DEVICE = `
  - id: sw1
    host: 127.0.0.1
    platform: ietf-interfaces
    portType: 10GBASE-LR
    ports: ["10GE1/0/1"]
    netconf: { username: netops, passwordEnv: CHK_PASS, hostKey: "SHA256:Ra3YvU1tUYxT5hZb2cU0qW8bN6m1FV8s1v0gq7JzK9A" }
    snmp: { version: 2c, communityEnv: CHK_COMM }
    optics: h3c
`;

describe('dcagent check-config', () => {
  beforeAll(() => {
    process.env.CHK_PASS = 'chk-password-value-123';
    process.env.CHK_COMM = 'chk-community-value-456';
  });

  it('the shipped example passes through the real binary, with secrets masked', () => {
    ensureBuilt();
    const r = runBin(['check-config', '--config', 'config/agent.example.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('device dc-sw-01');
    expect(r.stdout).toContain('[REDACTED]');
    for (const f of ['sw01-password', 'sw01-community', 'sw02-snmp-auth', 'sw02-snmp-priv']) {
      const secret = readFileSync(`config/example-secrets/${f}`, 'utf8').trim();
      expect(r.stdout).not.toContain(secret);
    }
  });

  it('a confirm timeout under two RPC deadlines is bad config: exit 2 with the reason', async () => {
    const short = GOOD_DEVICE.replace('hostKey:', 'confirmTimeoutSeconds: 30, rpcTimeoutMs: 20000, hostKey:');
    const r = await runCli(['check-config', '--config', write('short-confirm.yaml', `devices:${short}`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'devices[0] (sw1).netconf.confirmTimeoutSeconds: must be at least two RPC deadlines',
    );
  });

  it('prints env-sourced secrets masked', async () => {
    const r = await runCli(['check-config', '--config', write('ok.yaml', `devices:${GOOD_DEVICE}`)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[REDACTED] (env CHK_PASS)');
    expect(r.stdout).not.toContain('chk-password-value-123');
    expect(r.stdout).not.toContain('chk-community-value-456');
  });

  const broken: [string, string, string][] = [
    ['unknown key', `bogus: 1\ndevices:${GOOD_DEVICE}`, 'bogus'],
    [
      'typo in a device key',
      `devices:${GOOD_DEVICE.replace('optics: h3c', 'optcs: h3c')}`,
      'devices[0] (sw1).optcs',
    ],
    ['wrong type', `agent: { concurrency: many }\n`, 'agent.concurrency'],
    ['duplicate device id', `devices:${GOOD_DEVICE}${GOOD_DEVICE}`, 'devices[1] (sw1).id'],
    [
      'port listed twice',
      `devices:${GOOD_DEVICE.replace('ports: ["10GE1/0/1"]', 'ports: ["a", "a"]')}`,
      'devices[0] (sw1).ports[1]',
    ],
    [
      'missing secret',
      `devices:${GOOD_DEVICE.replace('CHK_PASS', 'CHK_NOT_SET_ANYWHERE')}`,
      'devices[0] (sw1).netconf.passwordEnv',
    ],
    [
      'missing secret file',
      `devices:${GOOD_DEVICE.replace('communityEnv: CHK_COMM', 'communityFile: /nope/community')}`,
      'devices[0] (sw1).snmp.communityFile',
    ],
    [
      'unpinned host key',
      `devices:${GOOD_DEVICE.replace(/, hostKey: "[^"]+"/, '')}`,
      'devices[0] (sw1).netconf.hostKey',
    ],
    [
      'unknown optics',
      `devices:${GOOD_DEVICE.replace('optics: h3c', 'optics: arista')}`,
      'devices[0] (sw1).optics',
    ],
    ['negative interval', `monitoring: { intervalSeconds: -1 }\n`, 'monitoring.intervalSeconds'],
    ['bad redis url', `redis: { url: "http://127.0.0.1" }\n`, 'redis.url'],
    [
      'v3 priv without auth',
      `devices:${GOOD_DEVICE.replace('{ version: 2c, communityEnv: CHK_COMM }', '{ version: 3, user: u, privProtocol: aes, privKeyEnv: CHK_PASS }')}`,
      'devices[0] (sw1).snmp.privProtocol',
    ],
  ];

  it.each(broken)('%s: exits 2 naming the path', async (name, yaml, path) => {
    const r = await runCli(['check-config', '--config', write(`${name.replace(/\W+/g, '-')}.yaml`, yaml)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^dcagent: invalid configuration/);
    expect(lines.slice(1).some((l) => l.trim().startsWith(`${path}:`))).toBe(true);
  });

  it('a missing file exits 2', async () => {
    const r = await runCli(['check-config', '--config', join(dir, 'absent.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('file not found');
  });

  it('an unknown option is bad usage (exit 2)', async () => {
    const r = await runCli(['check-config', '--frobnicate']);
    expect(r.code).toBe(2);
  });

  it('--help exits 0 and documents --config', async () => {
    const r = await runCli(['check-config', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--config <file>');
  });
});
