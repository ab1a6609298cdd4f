import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AgentProcess } from '../helpers/agent-proc.js';
import { ROOT, runBinAsync } from '../helpers/cli.js';
import { h3cPort, SnmpPhysics } from '../helpers/physics.js';
import {
  aclLinesFromDoc,
  makePki,
  type SecureRedis,
  secureAgentConfig,
  startSecureRedis,
  type TestPki,
} from '../helpers/secure-redis.js';

const PASSWORDS = {
  'agent-password': 'agent-pw-tls-41c2',
  'control-plane-password': 'plane-pw-tls-8e07',
  'monitoring-password': 'monitor-pw-tls-d3b9',
};
const ENV = {
  SECURE_COMMUNITY: 'redis-secure',
  AGENT_REDIS_PW: PASSWORDS['agent-password'],
  PLANE_REDIS_PW: PASSWORDS['control-plane-password'],
};
const CONN = 'hc-tls1';

// Debian's redis-server with --tls-port, a private CA made by openssl here, and
// tls-auth-clients yes: the agent and the CLI reach it only over TLS with a client certificate.
describe('Redis over TLS with a private CA and client certificates (real redis-server)', () => {
  const peers = inject('peers');
  const dir = mkdtempSync(join(peers.runDir, 'redis-tls-'));
  let pki: TestPki;
  let redis: SecureRedis;
  let agent: AgentProcess | undefined;
  const env = { ...process.env, ...ENV };
  const bin = (args: string[]) => runBinAsync(args, env, 90_000);
  const cfgFor = (redisBlock: Record<string, unknown>, name: string) =>
    AgentProcess.writeConfig(
      secureAgentConfig(
        peers,
        { url: `rediss://127.0.0.1:${redis.tlsPort}`, ...redisBlock },
        { agentId: name, spillDir: dir },
      ),
      mkdtempSync(join(dir, `${name}-`)),
    );
  const clientTls = () => ({ caFile: pki.caFile, certFile: pki.clientCert, keyFile: pki.clientKey });

  beforeAll(async () => {
    pki = makePki(mkdtempSync(join(dir, 'pki-')));
    redis = await startSecureRedis(peers.runDir, {
      aclLines: aclLinesFromDoc(resolve(ROOT, 'docs/operations.md'), PASSWORDS),
      pki,
    });
  });

  afterAll(async () => {
    if (agent && !agent.exited) await agent.stop('SIGTERM');
    await redis?.stop();
  });

  it('the lifecycle passes with the agent and the control plane on TLS only', async () => {
    const port = h3cPort(new SnmpPhysics('127.0.0.1', peers.snmp.port, 'redis-secure'), 62902);
    await port.dark();
    // serverName: the certificate names localhost, the agent dials 127.0.0.1.
    const agentCfg = cfgFor(
      {
        username: 'dcagent',
        passwordEnv: 'AGENT_REDIS_PW',
        tls: { ...clientTls(), serverName: 'localhost' },
      },
      'tls-agent',
    );
    const planeCfg = cfgFor(
      { username: 'dcplane', passwordEnv: 'PLANE_REDIS_PW', tls: clientTls() },
      'tls-plane',
    );
    const probe = await bin(['check-config', '--config', agentCfg, '--probe']);
    expect(probe.stderr).toBe('');
    expect(probe.code).toBe(0);
    expect(probe.stdout).toContain(`tls: ca ${pki.caFile}, client cert ${pki.clientCert}, key [REDACTED]`);

    agent = AgentProcess.start(agentCfg, ENV);
    await agent.waitForLog('dcagent running', 30_000);
    expect((await agent.http('/readyz')).status).toBe(200);

    const prov = await bin([
      'enqueue',
      'provision',
      '--config',
      planeCfg,
      '--device',
      'sec-sw1',
      '--port',
      'XGE21/0/2',
      '--connection',
      CONN,
      '--wait',
      '--timeout',
      '60',
      '--json',
    ]);
    expect(prov.code).toBe(0);
    expect(prov.stdout).toContain('"type":"provision.succeeded"');
    await port.up(-3.1, -2.0);
    const follow = async (type: string) => {
      const deadline = Date.now() + 45_000;
      while (Date.now() < deadline) {
        const r = await bin(['events', '--config', planeCfg, '--connection', CONN, '--json']);
        expect(r.code).toBe(0);
        if (r.stdout.includes(`"type":"${type}"`)) return r.stdout;
        await new Promise((res) => setTimeout(res, 1_000));
      }
      throw new Error(`no ${type} event within 45 s`);
    };
    await follow('construction.completed');
    const deprov = await bin([
      'enqueue',
      'deprovision',
      '--config',
      planeCfg,
      '--device',
      'sec-sw1',
      '--port',
      'XGE21/0/2',
      '--connection',
      CONN,
      '--wait',
      '--timeout',
      '60',
      '--json',
    ]);
    expect(deprov.code).toBe(0);
    const all = (await follow('deprovision.succeeded'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(all).toEqual(['provision.succeeded', 'construction.completed', 'deprovision.succeeded']);
    expect(await agent.stop('SIGTERM')).toBe(0);
  }, 240_000);

  it('a wrong CA is refused with one line naming the TLS problem: CLI exit 1, agent exit 2', async () => {
    const wrongCa = cfgFor(
      {
        username: 'dcplane',
        passwordEnv: 'PLANE_REDIS_PW',
        tls: { ...clientTls(), caFile: pki.otherCaFile },
      },
      'tls-wrong-ca',
    );
    for (const args of [['events'], ['check-config', '--probe']]) {
      const r = await bin([...args, '--config', wrongCa]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([
        expect.stringMatching(
          /^dcagent: Redis rediss:\/\/dcplane@127\.0\.0\.1:\d+: TLS failed \(.*certificate.*\); check redis\.tls \(caFile, certFile, keyFile, serverName\)$/,
        ),
      ]);
    }
    const a = AgentProcess.start(
      cfgFor(
        {
          username: 'dcagent',
          passwordEnv: 'AGENT_REDIS_PW',
          tls: { ...clientTls(), caFile: pki.otherCaFile },
        },
        'tls-agent-wrong-ca',
      ),
      ENV,
    );
    expect(await a.waitForExit(30_000)).toBe(2);
    const lines = a
      .log()
      .split('\n')
      .filter((l) => l.startsWith('dcagent: '));
    expect(lines).toEqual([
      expect.stringMatching(
        /^dcagent: Redis rediss:\/\/dcagent@127\.0\.0\.1:\d+: TLS failed \(.*certificate/,
      ),
    ]);
  });

  it('a server name the certificate does not carry is refused too', async () => {
    const cfg = cfgFor(
      {
        username: 'dcplane',
        passwordEnv: 'PLANE_REDIS_PW',
        tls: { ...clientTls(), serverName: 'redis.elsewhere' },
      },
      'tls-wrong-name',
    );
    const r = await bin(['events', '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^dcagent: Redis rediss:.*: TLS failed \(.*redis\.elsewhere/),
    ]);
  });
});
