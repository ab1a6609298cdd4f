// `dcagent plan` against netconfd: prints the escaped payload and the diff, writes nothing (ncclient
// confirms running and candidate are unchanged), and works while another session holds the lock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatPlan } from '../../agent/commands/plan.js';
import { holdLock, ncclient } from '../../testkit/peers/ncclient.js';
import { ncclientReadPort, ncclientSetPort } from '../conformance/netconf-peer-tools.js';
import { runCli } from '../helpers/cli.js';

const peers = inject('peers');
const peer = peers.netconf.ietf;
const PORT = '10GE8/0/1';
const HOSTILE = `</description><enabled>false</enabled> & ]]>]]> "q" 'a' <b>`;

let dir: string;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcagent-plan-'));
  configPath = join(dir, 'agent.yaml');
  const device = (id: string, port: number, hostKey: string) => `
  - id: ${id}
    host: ${peer.host}
    platform: ietf-interfaces
    portType: 10GBASE-LR
    ports: ["${PORT}", "10GE8/0/2"]
    netconf:
      port: ${port}
      username: ${peer.username}
      privateKeyFile: ${peer.privateKeyPath}
      hostKey: "${hostKey}"
      connectTimeoutMs: 5000
      rpcTimeoutMs: 10000
    snmp: { version: 2c, communityEnv: PLAN_TEST_COMMUNITY }
    optics: none`;
  writeFileSync(
    configPath,
    `devices:${device('sw-plan', peer.port, peer.hostKeySha256)}${device('sw-down', 1, peer.hostKeySha256)}${device(
      'sw-wrongkey',
      peer.port,
      `SHA256:${'B'.repeat(43)}`,
    )}\n`,
  );
  process.env.PLAN_TEST_COMMUNITY = 'public';
  await ncclientSetPort(peer, 'ietf', PORT, { description: 'HC hc-plan-1 previous', enabled: true });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const base = (op = 'provision') => [
  'plan',
  op,
  '--config',
  configPath,
  '--device',
  'sw-plan',
  '--port',
  PORT,
  '--connection',
  'hc-plan-1',
];

async function candidateAndRunning() {
  const filter = `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>${PORT}</name></interface></interfaces>`;
  const [running, candidate] = await Promise.all([
    ncclient(peer, { op: 'get-config', source: 'running', filter }),
    ncclient(peer, { op: 'get-config', source: 'candidate', filter }),
  ]);
  return { running, candidate };
}

describe('dcagent plan against netconfd', () => {
  it('prints the escaped payload and the diff as JSON, and changes nothing', async () => {
    const before = await candidateAndRunning();
    const r = await runCli([...base(), '--description', HOSTILE, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual([
      'changes',
      'connectionId',
      'device',
      'diff',
      'operation',
      'platform',
      'port',
      'rpc',
    ]);
    expect(out).toMatchObject({
      operation: 'provision',
      connectionId: 'hc-plan-1',
      device: 'sw-plan',
      port: PORT,
      platform: 'ietf-interfaces',
    });
    const rpc = String(out.rpc);
    expect(rpc).toContain(
      '<description>HC hc-plan-1 &lt;/description&gt;&lt;enabled&gt;false&lt;/enabled&gt; &amp; ]]&gt;]]&gt; &quot;q&quot; &apos;a&apos; &lt;b&gt;</description>',
    );
    expect(rpc).not.toContain(']]>]]>');
    expect(String(out.diff)).toContain('- description HC hc-plan-1 previous');
    expect(String(out.diff)).toContain(`+ description HC hc-plan-1 ${HOSTILE}`);
    expect(out.changes).toBe(2);
    expect(await candidateAndRunning()).toEqual(before);
    expect(await ncclientReadPort(peer, 'ietf', PORT)).toEqual({
      description: 'HC hc-plan-1 previous',
      enabled: true,
    });
  });

  it('works while another session holds the candidate lock (it takes no lock)', async () => {
    const lock = holdLock(peer, 60);
    await lock.locked;
    try {
      const r = await runCli([...base(), '--description', 'acme']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('+ description HC hc-plan-1 acme');
    } finally {
      await lock.release();
    }
  }, 30_000);

  it('human output has no colour codes when stdout is not a terminal', async () => {
    const r = await runCli(base('deprovision'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('plan deprovision hc-plan-1: sw-plan 10GE8/0/1 (ietf-interfaces)');
    expect(r.stdout).toContain('<description nc:operation="remove"/>');
    expect(r.stdout).toContain('- enabled true');
    expect(r.stdout).toContain('+ enabled false');
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('--validate asks the device to test the edit and still leaves candidate and running alone', async () => {
    const before = await candidateAndRunning();
    const r = await runCli([...base(), '--description', 'validated', '--validate', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await candidateAndRunning()).toEqual(before);
  });

  it('--validate while another session holds the candidate lock reports lock-denied (exit 1)', async () => {
    const lock = holdLock(peer, 60);
    await lock.locked;
    try {
      const r = await runCli([...base(), '--description', 'validated', '--validate']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('lock-denied');
    } finally {
      await lock.release();
    }
  }, 30_000);

  it('--offline renders without contacting the device', async () => {
    const r = await runCli([
      'plan',
      'provision',
      '--config',
      configPath,
      '--device',
      'sw-down',
      '--port',
      PORT,
      '--connection',
      'hc-plan-2',
      '--offline',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ diff: '', changes: 0, device: 'sw-down' });
  });

  it('a device failure is reported with exit 1', async () => {
    const down = await runCli([
      'plan',
      'provision',
      '--config',
      configPath,
      '--device',
      'sw-down',
      '--port',
      PORT,
      '--connection',
      'hc-plan-2',
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('unreachable');
    const wrongKey = await runCli([
      'plan',
      'provision',
      '--config',
      configPath,
      '--device',
      'sw-wrongkey',
      '--port',
      PORT,
      '--connection',
      'hc-plan-2',
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('host-key-mismatch');
  });

  it.each([
    [['--connection', 'HC_bad'], '--connection'],
    [['--description', 'x'.repeat(65)], '--description'],
    [['--description', 'bell\u0007'], '--description'],
  ])('bad flags %j exit 2', async (extra, flag) => {
    const args = [...base()];
    const i = args.indexOf(extra[0] as string);
    if (i >= 0) args.splice(i, 2);
    const r = await runCli([...args, ...(extra as string[])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
  });

  it('an unknown device or port is bad usage (exit 2)', async () => {
    const r1 = await runCli([
      'plan',
      'provision',
      '--config',
      configPath,
      '--device',
      'nope',
      '--port',
      PORT,
      '--connection',
      'hc-plan-3',
    ]);
    expect(r1.code).toBe(2);
    const r2 = await runCli([
      'plan',
      'provision',
      '--config',
      configPath,
      '--device',
      'sw-plan',
      '--port',
      'Eth9',
      '--connection',
      'hc-plan-3',
    ]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--port');
  });
});

describe('plan output on a terminal', () => {
  it('colours added and removed lines only when stdout is a TTY', () => {
    const p = {
      operation: 'provision' as const,
      connectionId: 'hc-tty-1',
      device: 'sw',
      port: 'p',
      platform: 'ietf-interfaces',
      rpc: '<edit-config/>',
      diff: '--- a\n+++ b\n@@ -1,2 +1,2 @@\n interface p\n- enabled false\n+ enabled true\n',
      changes: 2,
    };
    const tty = formatPlan(p, { isTTY: true }, false);
    expect(tty).toContain('\u001b[32m+ enabled true');
    expect(tty).toContain('\u001b[31m- enabled false');
    const plain = formatPlan(p, { isTTY: false }, false);
    expect(plain).not.toContain('\u001b[');
    expect(plain).toContain('diff (2 changed lines):');
  });
});
