// Issue 13: a switch that rebooted is audited at once (sysUpTime went back), not at the next
// interval: the engineer's out-of-band shutdown is reported with detectedBy "reboot".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { el } from '../../drivers/xml/xml.js';
import { type Lab, startLab } from '../../lab/index.js';
import { eventually, IETF_NS, RawQueue } from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

describe('a device reboot triggers an audit without waiting for the interval', () => {
  const peers = inject('peers');
  const prefix = `driftboot${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-driftboot-'));
  let lab: Lab;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: RawQueue;

  beforeAll(async () => {
    const base = join(dir, 'base.yaml');
    lab = await startLab({
      devices: 1,
      ports: 1,
      platform: 'ietf-interfaces',
      linkUpDelayMs: 0,
      configOut: base,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(base, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    // An hour: any audit seen within the test is the one the reboot started.
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, audit: { intervalSeconds: 3_600 } };
    doc.queues = { attempts: 3, backoffMs: 200 };
    doc.agent = { ...doc.agent, id: 'driftboot', httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    const path = join(dir, 'agent.yaml');
    writeFileSync(path, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(path);
    await agent.waitForLog('dcagent running', 30_000);
    events = new EventWatcher(peers.redis.url, prefix);
    queue = new RawQueue(peers.redis.url, prefix);
  });

  afterAll(async () => {
    expect(await agent?.stop('SIGTERM')).toBe(0);
    await queue?.close();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the shutdown found after the reboot with detectedBy reboot', { timeout: 120_000 }, async () => {
    const device = lab.devices[0]!;
    const port = device.ports[0]!.name;
    const conn = 'hc-driftboot';
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port },
      `provision-${conn}`,
    );
    await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 45_000);
    // The monitor has polled the device (its tracker state is saved after each poll), so it knows
    // the uptime before the reboot.
    await eventually(
      async () => (await queue.redis.hget(`${prefix}:conn:${conn}`, 'trackerVer')) !== null,
      30_000,
      'a first poll of the device',
    );
    const sim = device.sim as unknown as {
      netconf: { applyExternal(x: unknown, why: string): void };
      reboot(ms: number): Promise<void>;
    };
    sim.netconf.applyExternal(
      el(
        'interfaces',
        { xmlns: IETF_NS },
        el('interface', undefined, el('name', undefined, port), el('enabled', undefined, 'false')),
      ),
      'an engineer shut the port',
    );
    await sim.reboot(500);
    const ev = await events.waitFor(conn, (e) => e.type === 'drift.detected', 60_000);
    expect(ev.data).toMatchObject({
      device: device.id,
      port,
      detectedBy: 'reboot',
      policy: 'report',
      drifts: [{ field: 'enabled', expected: true, actual: false }],
    });
  });
});
