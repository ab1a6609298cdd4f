// The agent's whole lifecycle on a lab switch of every platform the lab serves, NETCONF models
// and CLI dialects alike, in one lab and one `dcagent run`: provision → patch
// (construction.completed) → cut (unavailable) → patch (available) → PVI (deprovision.blocked) →
// PVI gone (deprovision.succeeded), with the exact event sequence per connection. The platforms
// run side by side, each on its own switch and connection, so a platform added to the lab's
// catalog (LAB_MODELS) is covered with no new test code.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Platform } from '../../contract/port-types.js';
import type { OpticsAdapterId } from '../../drivers/optics/adapter.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { LAB_PLATFORM_NAMES } from '../../lab/catalog.js';
import type { LabDevice } from '../../lab/index.js';
import { type LabAgent, startLabAgent } from '../helpers/lab-agent.js';

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
  let stack: LabAgent;

  beforeAll(async () => {
    // The lab writes a working config; the helper only makes its clocks fast and its keys private.
    stack = await startLabAgent({
      redisUrl: peers.redis.url,
      name: 'lifelab',
      tune: (doc) => {
        doc.agent = { ...doc.agent, logLevel: 'info' };
      },
      lab: {
        devices: PLATFORMS.length,
        ports: 2,
        platform: PLATFORMS,
        optics: PLATFORMS.map((p) => OPTICS[p] ?? 'huawei'),
        linkUpDelayMs: 200,
        monitoringIntervalSeconds: 1,
        controlPort: false,
      },
    });
  });

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  });

  it.concurrent.for(PLATFORMS)(
    '%s: provision → construction → unavailable → available → blocked → deprovisioned',
    { timeout: 120_000 },
    async (platform, { expect }) => {
      const device: LabDevice = stack.lab.devices.find((d) => d.platform === platform)!;
      const sim = device.sim;
      const port = device.ports[0]!.name;
      const conn = `hc-lab-${slug(platform)}`;
      const job = (name: 'provision' | 'deprovision', n: number, extra: Record<string, unknown> = {}) =>
        enqueueJob(
          stack.queue,
          name,
          { schemaVersion: 1, connectionId: conn, device: device.id, port, ...extra },
          `${name}-${conn}-${n}`,
        );
      const next = (pred: (e: { type: string; data: Record<string, unknown> }) => boolean) =>
        stack.events.waitFor(conn, (e) => pred(e as never), 45_000);
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

      const all = await stack.events.all(conn);
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
