import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, loadConfig, parseConfigText, resolveConfigPath } from '../../../config/load.js';
import { ConfigError, isDcAgentError } from '../../../core/errors.js';
import { Secret } from '../../../core/secret.js';

const EXAMPLE = resolve('config/agent.example.yaml');
const FP = 'SHA256:Ra3YvU1tUYxT5hZb2cU0qW8bN6m1FV8s1v0gq7JzK9A';

function device(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'sw1',
    host: '127.0.0.1',
    platform: 'ietf-interfaces',
    portType: '10GBASE-LR',
    ports: ['10GE1/0/1'],
    netconf: { username: 'netops', passwordEnv: 'SW_PASS', hostKey: FP },
    snmp: { version: '2c', communityEnv: 'SW_COMM' },
    optics: 'huawei',
    ...overrides,
  };
}
const env = { SW_PASS: 'pa55-word-xyz', SW_COMM: 'comm-unity-xyz' };

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('config loader', () => {
  it('loads the shipped example, resolving secrets into Secret objects', () => {
    const cfg = loadConfig({ path: EXAMPLE, env: {} });
    expect(cfg.devices.map((d) => d.id)).toEqual(['dc-sw-01', 'dc-sw-02']);
    const pw = cfg.devices[0]?.netconf?.credentials.password;
    expect(pw).toBeInstanceOf(Secret);
    expect(pw?.reveal()).toBe('example-only-sw01-password');
    expect(JSON.stringify(cfg)).not.toContain('example-only-sw01-password');
    expect(cfg.devices[1]?.ports[1]?.thresholds.rx).toEqual([-9.0, 4.5]);
    expect(cfg.devices[1]?.ports[0]?.thresholds).toEqual({
      rx: [-10.6, 4.5],
      tx: [-4.3, 4.5],
      source: 'default',
    });
    expect(cfg.devices[1]?.snmp.version).toBe('3');
  });

  it('refuses a confirm timeout shorter than two RPC deadlines, naming the key and the reason', () => {
    const netconf = (o: Record<string, unknown>) =>
      device({ netconf: { username: 'netops', passwordEnv: 'SW_PASS', hostKey: FP, ...o } });
    // 30 s confirm against the default 30 s RPC deadline: the read-back and the confirming commit
    // may take 60 s, so the device could roll back first.
    const issues = issuesOf(() =>
      buildConfig({ devices: [netconf({ confirmTimeoutSeconds: 30 })] }, { env }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('devices[0] (sw1).netconf.confirmTimeoutSeconds');
    expect(issues[0]?.message).toMatch(/two RPC deadlines \(2 × rpcTimeoutMs = 60 s\)/);
    // Exactly two deadlines fit; the defaults (120 s, 30 s) fit with room.
    expect(() =>
      buildConfig({ devices: [netconf({ confirmTimeoutSeconds: 30, rpcTimeoutMs: 15_000 })] }, { env }),
    ).not.toThrow();
    expect(buildConfig({ devices: [device()] }, { env }).devices[0]?.netconf?.confirmTimeoutSeconds).toBe(
      120,
    );
  });

  it('fills defaults and freezes the result deeply', () => {
    const cfg = buildConfig({ devices: [device()] }, { env });
    expect(cfg.redis.prefix).toBe('dcagent');
    expect(cfg.queues.jobs).toBe('dc-port-jobs');
    expect(cfg.monitoring).toMatchObject({ intervalSeconds: 10, upPolls: 3, downPolls: 2 });
    expect(cfg.agent.httpPort).toBe(9464);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.devices[0]?.ports[0]?.thresholds.rx)).toBe(true);
    expect(() => {
      (cfg.agent as { concurrency: number }).concurrency = 99;
    }).toThrow(TypeError);
  });

  it('lets REDIS_URL override redis.url', () => {
    const cfg = buildConfig(
      { redis: { url: 'redis://10.0.0.1:6379' } },
      { env: { REDIS_URL: 'redis://127.0.0.1:7777' } },
    );
    expect(cfg.redis.url).toBe('redis://127.0.0.1:7777');
  });

  it('lets DCAGENT_AGENT_ID override agent.id, and checks it', () => {
    expect(buildConfig({ agent: { id: 'a1' } }, { env: { DCAGENT_AGENT_ID: 'replica-2' } }).agent.id).toBe(
      'replica-2',
    );
    expect(
      issuesOf(() => buildConfig({}, { env: { DCAGENT_AGENT_ID: 'bad id!' } })).map((i) => i.path),
    ).toEqual(['DCAGENT_AGENT_ID']);
  });

  it('lets DCAGENT_HTTP_PORT override agent.httpPort, and checks it', () => {
    expect(
      buildConfig({ agent: { httpPort: 9464 } }, { env: { DCAGENT_HTTP_PORT: '9555' } }).agent.httpPort,
    ).toBe(9555);
    expect(buildConfig({}, { env: { DCAGENT_HTTP_PORT: '0' } }).agent.httpPort).toBe(0);
    for (const bad of ['http', '70000', '-1', '']) {
      expect(issuesOf(() => buildConfig({}, { env: { DCAGENT_HTTP_PORT: bad } })).map((i) => i.path)).toEqual(
        ['DCAGENT_HTTP_PORT'],
      );
    }
  });

  it('fills monitoring.traps defaults (off) and names a bad trap key', () => {
    expect(buildConfig({}, { env }).monitoring.traps).toEqual({
      enabled: false,
      listen: '0.0.0.0',
      port: 1162,
      confirmMs: 1000,
      ratePerDevice: 10,
      forward: true,
    });
    const issues = issuesOf(() =>
      buildConfig({ monitoring: { traps: { enabled: true, port: 0, community: 'x' } } }, { env }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['monitoring.traps.community', 'monitoring.traps.port']);
  });

  it('console: loopback by default; a token from exactly one of env or file; no password in the Prometheus URL', () => {
    expect(buildConfig({}).console.listen).toBe('127.0.0.1:9470');
    const paths = (raw: unknown) => issuesOf(() => buildConfig(raw)).map((i) => i.path);
    expect(paths({ console: { listen: '9470' } })).toEqual(['console.listen']);
    expect(paths({ console: { listen: '0.0.0.0:70000' } })).toEqual(['console.listen']);
    expect(paths({ console: { auth: {} } })).toEqual(['console.auth']);
    expect(paths({ console: { auth: { tokenEnv: 'A', tokenFile: '/x' } } })).toEqual(['console.auth']);
    const leak = issuesOf(() =>
      buildConfig({ console: { prometheus: { url: 'http://admin:s3cret@prom:9090' } } }),
    );
    expect(leak.map((i) => i.path)).toEqual(['console.prometheus.url']);
    expect(JSON.stringify(leak)).not.toContain('s3cret');
    expect(
      buildConfig({ console: { listen: '[::1]:9470', prometheus: { url: 'http://prom:9090/' } } }).console,
    ).toMatchObject({
      listen: '[::1]:9470',
      prometheus: { url: 'http://prom:9090/', timeoutMs: 5000, stepSeconds: 15 },
    });
  });

  it('names a device by its id beside its index: devices[3] (dc-sw-04).snmp…', () => {
    const devices = [1, 2, 3, 4].map((n) => device({ id: `dc-sw-0${n}` }));
    devices[3] = device({ id: 'dc-sw-04', snmp: { version: '2c', communityEnv: 'SW_COMM', port: 0 } });
    const issues = issuesOf(() => buildConfig({ devices }, { env }));
    expect(issues.map((i) => i.path)).toEqual(['devices[3] (dc-sw-04).snmp.port']);
    // Problems found after the schema (secrets) are named the same way.
    const missing = issuesOf(() =>
      buildConfig({ devices: devices.slice(0, 3) }, { env: { SW_COMM: 'x' } }),
    ).map((i) => i.path);
    expect(missing).toContain('devices[2] (dc-sw-03).netconf.passwordEnv');
    // Without a usable id, the index alone.
    const noId = issuesOf(() => buildConfig({ devices: [{ ...device(), id: 7 }] }, { env }));
    expect(noId.map((i) => i.path)).toContain('devices[0].id');
  });

  it('refuses an inline secret, showing the …Env and …File forms instead', () => {
    const inline = device({
      netconf: { username: 'netops', password: 'hunter2-inline', hostKey: FP },
      snmp: { version: '2c', community: 'public-inline' },
    });
    const issues = issuesOf(() => buildConfig({ devices: [inline], redis: { password: 'r3dis' } }, { env }));
    const byPath = new Map(issues.map((i) => [i.path, i.message]));
    expect(byPath.get('devices[0] (sw1).netconf.password')).toMatch(
      /inline secrets are not allowed.*passwordEnv: .*passwordFile: /,
    );
    expect(byPath.get('devices[0] (sw1).snmp.community')).toMatch(
      /inline secrets are not allowed.*communityEnv: .*communityFile: /,
    );
    expect(byPath.get('redis.password')).toMatch(
      /inline secrets are not allowed.*passwordEnv: .*passwordFile: /,
    );
    expect(JSON.stringify(issues)).not.toMatch(/hunter2|public-inline|r3dis/);
  });

  it('picks the file from --config, then DCAGENT_CONFIG, then config/agent.yaml', () => {
    expect(resolveConfigPath({ path: '/a.yaml', env: { DCAGENT_CONFIG: '/b.yaml' } })).toBe('/a.yaml');
    expect(resolveConfigPath({ env: { DCAGENT_CONFIG: '/b.yaml' } })).toBe('/b.yaml');
    expect(resolveConfigPath({ env: {}, cwd: '/srv' })).toBe('/srv/config/agent.yaml');
  });

  it('applies threshold overrides port > device > global > default', () => {
    const cfg = buildConfig(
      {
        monitoring: { thresholds: { '10GBASE-LR': { tx: [-7, 0] } } },
        devices: [
          device({
            thresholds: { rx: [-12, 0] },
            ports: [
              'a',
              { name: 'b', thresholds: { rx: [-11, 0.2], rxWarning: [-9, -1] } },
              { name: 'c', portType: '100GBASE-LR4' },
            ],
          }),
          device({ id: 'sw2', portType: '100GBASE-LR4', ports: ['d'] }),
        ],
      },
      { env },
    );
    const [a, b, c] = cfg.devices[0]?.ports ?? [];
    expect(a?.thresholds).toEqual({ rx: [-12, 0], tx: [-7, 0], source: 'config' });
    expect(b?.thresholds).toEqual({ rx: [-11, 0.2], tx: [-7, 0], rxWarning: [-9, -1], source: 'config' });
    // Nothing in the file for this port type: CONTRACT §5's table, and it says so.
    expect(cfg.devices[1]?.ports[0]?.thresholds).toEqual({
      rx: [-10.6, 4.5],
      tx: [-4.3, 4.5],
      source: 'default',
    });
    expect(c).toMatchObject({
      portType: '100GBASE-LR4',
      lanes: 4,
      thresholds: { rx: [-12, 0], tx: [-4.3, 4.5] },
    });
  });

  it('reads secrets from files relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcagent-cfg-'));
    writeFileSync(join(dir, 'pw'), 's3cr3t-from-file\n');
    const path = join(dir, 'agent.yaml');
    writeFileSync(
      path,
      `devices:\n  - id: sw1\n    host: h\n    platform: cli-ios\n    portType: 1000BASE-LX\n    ports: [Gi0/1]\n    cli: { username: u, passwordFile: pw, insecureAcceptAnyHostKey: true }\n    snmp: { version: 2c, communityFile: pw }\n    optics: cisco\n`,
    );
    const cfg = loadConfig({ path, env: {} });
    expect(cfg.devices[0]?.cli?.credentials.password?.reveal()).toBe('s3cr3t-from-file');
    expect(cfg.devices[0]?.snmp.community?.reveal()).toBe('s3cr3t-from-file');
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf(() => parseConfigText('redis: {url: [\n', { env: {} }));
    expect(issues[0]?.path).toMatch(/yaml line \d+/);
  });

  it('errors carry code invalid-config and are not retryable', () => {
    try {
      buildConfig({ bogus: 1 }, { env });
    } catch (err) {
      expect(isDcAgentError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'invalid-config', retryable: false });
      return;
    }
    throw new Error('expected an error');
  });

  // Each broken config names the path of what is wrong (CONTRACT §6; issue 2 acceptance 2).
  const broken: [string, unknown, Record<string, string>, string][] = [
    ['unknown top-level key', { redis: {}, bogus: true }, env, 'bogus'],
    [
      'unknown nested key (typo)',
      { devices: [device({ netconf: { username: 'u', pasword_env: 'X', hostKey: FP } })] },
      env,
      'devices[0] (sw1).netconf.pasword_env',
    ],
    ['wrong type', { agent: { concurrency: 'eight' } }, env, 'agent.concurrency'],
    ['duplicate device id', { devices: [device(), device()] }, env, 'devices[1] (sw1).id'],
    [
      'port listed twice',
      { devices: [device({ ports: ['a', 'b', 'a'] })] },
      env,
      'devices[0] (sw1).ports[2]',
    ],
    [
      'missing secret env',
      { devices: [device()] },
      { SW_COMM: 'x1234' },
      'devices[0] (sw1).netconf.passwordEnv',
    ],
    [
      'missing secret file',
      { devices: [device({ snmp: { version: '2c', communityFile: '/nonexistent/c' } })] },
      env,
      'devices[0] (sw1).snmp.communityFile',
    ],
    [
      'unknown platform',
      { devices: [device({ platform: 'ios-classic' })] },
      env,
      'devices[0] (sw1).platform',
    ],
    [
      'unknown port type',
      { devices: [device({ portType: '40GBASE-SR4' })] },
      env,
      'devices[0] (sw1).portType',
    ],
    [
      'no host key and not insecure',
      { devices: [device({ netconf: { username: 'u', passwordEnv: 'SW_PASS' } })] },
      env,
      'devices[0] (sw1).netconf.hostKey',
    ],
    [
      'malformed host key',
      { devices: [device({ netconf: { username: 'u', passwordEnv: 'SW_PASS', hostKey: 'MD5:aa' } })] },
      env,
      'devices[0] (sw1).netconf.hostKey',
    ],
    [
      'v3 without user',
      { devices: [device({ snmp: { version: 3, authProtocol: 'sha', authKeyEnv: 'SW_PASS' } })] },
      env,
      'devices[0] (sw1).snmp.user',
    ],
    [
      'v2c without community',
      { devices: [device({ snmp: { version: '2c' } })] },
      env,
      'devices[0] (sw1).snmp.communityEnv',
    ],
    [
      'CLI platform without cli block',
      { devices: [device({ platform: 'cli-vrp' })] },
      env,
      'devices[0] (sw1).cli',
    ],
    [
      'threshold min above max',
      { devices: [device({ thresholds: { rx: [1, -5] } })] },
      env,
      'devices[0] (sw1).thresholds.rx',
    ],
    [
      'port out of range',
      { devices: [device({ snmp: { version: '2c', communityEnv: 'SW_COMM', port: 70000 } })] },
      env,
      'devices[0] (sw1).snmp.port',
    ],
    ['cluster prefix without hash tag', { redis: { mode: 'cluster' } }, env, 'redis.prefix'],
    ['bad REDIS_URL', {}, { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    ['no ports', { devices: [device({ ports: [] })] }, env, 'devices[0] (sw1).ports'],
  ];

  it.each(broken.map(([name, raw, e, path]) => [`${name} → ${path}`, raw, e, path] as const))(
    'rejects %s',
    (_name, raw, environment, path) => {
      const issues = issuesOf(() => buildConfig(raw, { env: environment }));
      expect(issues.map((i) => i.path)).toContain(path);
      for (const i of issues) expect(i.message.length).toBeGreaterThan(0);
    },
  );

  it('reports every problem at once, not only the first', () => {
    const issues = issuesOf(() =>
      buildConfig({ bogus: 1, agent: { concurrency: 0 }, devices: [device({ optics: 'x' })] }, { env }),
    );
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['bogus', 'agent.concurrency', 'devices[0] (sw1).optics']),
    );
  });
});
