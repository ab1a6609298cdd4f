// The agent's whole lifecycle on a lab switch of every platform the lab serves, NETCONF models
// and CLI dialects alike, in one lab and one `dcagent run`: provision → patch
// (construction.completed) → cut (unavailable) → patch (available) → PVI (deprovision.blocked) →
// PVI gone (deprovision.succeeded), with the exact event sequence per connection. The platforms
// run side by side, each on its own switch and connection, so a platform added to the lab's
// catalog (LAB_MODELS) is covered with no new test code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Platform } from '../../contract/port-types.js';
import type { OpticsAdapterId } from '../../drivers/optics/adapter.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { LAB_PLATFORM_NAMES } from '../../lab/catalog.js';
import { type Lab, type LabDevice, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const PLATFORMS = [...LAB_PLATFORM_NAMES];

// Each vendor's own optics MIB, so the poller meets the OIDs it would meet on that box.
const OPTICS: Partial<Record<Platform, OpticsAdapterId>> = {
  junos: 'juniper',
  iosxr: 'cisco',
  'cli-ios': 'cisco',
};

const slug = (p: Platform) => p.replace(/[^a-z0-9]+/g, '-');

describe('the agent lifecycle on a lab switch of every platform (one lab, one dcagent run)', () => {
  const peers = inject('peers');
  const prefix = `lifelab${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-lifelab-'));
  let lab: Lab;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;

  beforeAll(async () => {
    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: PLATFORMS.length,
      ports: 2,
      platform: PLATFORMS,
      optics: PLATFORMS.map((p) => OPTICS[p] ?? 'huawei'),
      linkUpDelayMs: 200,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    // The lab writes a working config; the test only makes its clocks fast and its keys private.
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = {
      ...doc.agent,
      id: 'lifelab-agent',
      httpPort: 0,
      logLevel: 'info',
      shutdownTimeoutSeconds: 10,
    };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.queues = { attempts: 3, backoffMs: 200 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });

    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
  });

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it.concurrent.for(PLATFORMS)(
    '%s: provision → construction → unavailable → available → blocked → deprovisioned',
    { timeout: 120_000 },
    async (platform, { expect }) => {
      const device: LabDevice = lab.devices.find((d) => d.platform === platform)!;
      const sim = device.sim;
      const port = device.ports[0]!.name;
      const conn = `hc-lab-${slug(platform)}`;
      const job = (name: 'provision' | 'deprovision', n: number, extra: Record<string, unknown> = {}) =>
        enqueueJob(
          queue,
          name,
          { schemaVersion: 1, connectionId: conn, device: device.id, port, ...extra },
          `${name}-${conn}-${n}`,
        );
      const next = (pred: (e: { type: string; data: Record<string, unknown> }) => boolean) =>
        events.waitFor(conn, (e) => pred(e as never), 45_000);
      const seenOnSwitch = () => sim.describe().ports.find((p) => p.name === port)!;

      // 1. provision: committed, read back, and the switch's running config really holds it.
      await job('provision', 1, { description: 'ACME <primary> & "co"' });
      const ok = await next((e) => e.type === 'provision.succeeded');
      expect(ok.data).toMatchObject({ verified: true, description: `HC ${conn} ACME <primary> & "co"` });
      expect(seenOnSwitch()).toMatchObject({
        description: `HC ${conn} ACME <primary> & "co"`,
        adminStatus: 'up',
      });

      // 2. the engineer patches the fibre.
      sim.patch(port);
      const built = await next((e) => e.type === 'construction.completed');
      expect(built.data).toMatchObject({ device: device.id, port, evidence: { operStatus: 'up' } });

      // 3. fibre cut.
      sim.cut(port);
      await next((e) => e.type === 'availability.changed' && e.data.to === 'unavailable');

      // 4. spliced.
      sim.patch(port);
      await next((e) => e.type === 'availability.changed' && e.data.to === 'available');

      // 5. a Private Virtual Interface on the port blocks deletion; nothing changes on the switch.
      sim.addSubinterface(port, 100);
      await job('deprovision', 1);
      const blocked = await next((e) => e.type === 'deprovision.blocked');
      expect(blocked.data).toMatchObject({
        reason: 'private-virtual-interfaces',
        subinterfaces: [`${port}.100`],
      });
      expect(seenOnSwitch().description).toBe(`HC ${conn} ACME <primary> & "co"`);

      // 6. the PVI is gone; a new job clears the port.
      sim.removeSubinterface(port, 100);
      await job('deprovision', 2);
      const gone = await next((e) => e.type === 'deprovision.succeeded');
      expect(gone.data).toMatchObject({ verified: true, lightPresent: true });
      expect(seenOnSwitch()).toMatchObject({ description: null, adminStatus: 'down' });

      const all = await events.all(conn);
      expect(all.map((e) => e.type)).toEqual([
        'provision.succeeded',
        'construction.completed',
        'availability.changed',
        'availability.changed',
        'deprovision.blocked',
        'deprovision.succeeded',
      ]);
      expect(
        all.filter((e) => e.type === 'availability.changed').map((e) => (e.data as { to?: string }).to),
      ).toEqual(['unavailable', 'available']);
      expect(all.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    },
  );
});
