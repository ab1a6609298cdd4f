// Issue 13: a switch whose polls come back after an outage is audited at once, not at the next
// interval: an engineer's change made while the agent could not reach it is reported at
// reconnect, and the recovery is audited once, not once per poll.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type Lab, startLab } from '../../lab/index.js';
import { eventually, RawQueue } from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

describe('polls that recover after an outage trigger an audit without waiting for the interval', () => {
  const peers = inject('peers');
  const prefix = `driftback${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-driftback-'));
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
    // An hour: any audit seen within the test is one the recovery started.
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, audit: { intervalSeconds: 3_600 } };
    doc.queues = { attempts: 3, backoffMs: 200 };
    doc.agent = { ...doc.agent, id: 'driftback', httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
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

  it('reports a shutdown made during the outage once the device answers again', {
    timeout: 120_000,
  }, async () => {
    const device = lab.devices[0]!;
    const port = device.ports[0]!.name;
    const conn = 'hc-driftback';
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port },
      `provision-${conn}`,
    );
    await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 45_000);

    // The switch stops answering: the agent sees the outage (monitoring.degraded)...
    device.sim.silence();
    await events.waitFor(conn, (e) => e.type === 'monitoring.degraded', 45_000);
    // ...and meanwhile an engineer shuts the port out of band.
    device.sim.editPort(port, { kind: 'shutdown' });
    device.sim.wake();
    await events.waitFor(conn, (e) => e.type === 'monitoring.restored', 45_000);

    const ev = await events.waitFor(conn, (e) => e.type === 'drift.detected', 45_000);
    expect(ev.data).toMatchObject({
      device: device.id,
      port,
      detectedBy: 'audit',
      policy: 'report',
      drifts: [{ field: 'enabled', expected: true, actual: false }],
    });
    // The audit that found it is the reconnect audit, which ends with its own final event.
    const jobId = (ev.data as { jobId?: string }).jobId ?? '';
    expect(jobId).toMatch(new RegExp(`^audit-${device.id}-reconnect-\\d+$`));
    const subject = `device:${device.id}`;
    await events.waitFor(subject, (e) => e.type === 'audit.completed' && e.data.jobId === jobId, 30_000);

    // Once per recovery: polls go on (counted by the agent's own poll histogram, since a steady
    // poll writes nothing to Redis), and no second audit follows.
    const polls = async () =>
      (await agent.metric('dcagent_poll_duration_seconds_count', 'device')).get(device.id) ?? 0;
    const after = await polls();
    await eventually(async () => (await polls()) >= after + 3, 30_000, 'three more polls');
    const audits = (await events.all(subject)).filter((e) => e.type === 'audit.completed');
    expect(audits.map((e) => e.data.jobId)).toEqual([jobId]);
  });
});
