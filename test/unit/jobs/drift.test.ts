import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { driftDetectedDataSchema, driftHealedDataSchema } from '../../../contract/events.js';
import { silentLogger } from '../../../core/logger.js';
import type { DeviceDriver } from '../../../drivers/driver.js';
import { compareWithIntent, decideDrift } from '../../../jobs/drift.js';
import type { AuditResult } from '../../../jobs/handlers/audit.js';
import { MemoryIntentStore } from '../../../jobs/memory-intents.js';
import { createProcessor } from '../../../jobs/pipeline/processor.js';
import type { IntentRecord } from '../../../jobs/ports.js';
import { MemoryDriver } from '../../fakes/memory-driver.js';
import { testConfig } from '../../helpers/device-config.js';

const PORT = '10GE1/0/1';

function intent(over: Partial<IntentRecord> = {}): IntentRecord {
  return {
    connectionId: 'hc-abc',
    device: 'sw1',
    port: PORT,
    portType: '10GBASE-LR',
    description: 'HC hc-abc cust',
    state: 'configured',
    jobId: 'provision-hc-abc-1',
    configHash: 'f'.repeat(64),
    time: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('compareWithIntent', () => {
  it('finds nothing when the port matches (surrounding whitespace aside)', () => {
    const actual = { port: PORT, exists: true, description: ' HC hc-abc cust ', enabled: true, mtu: 9000 };
    expect(compareWithIntent(intent(), actual)).toEqual([]);
  });

  it('names description and enabled with expected and actual', () => {
    const actual = { port: PORT, exists: true, description: 'changed', enabled: false };
    expect(compareWithIntent(intent(), actual)).toEqual([
      { field: 'description', expected: 'HC hc-abc cust', actual: 'changed' },
      { field: 'enabled', expected: true, actual: false },
    ]);
  });

  it('reports missing when the entry or its configuration is gone', () => {
    for (const actual of [
      { port: PORT, exists: false },
      { port: PORT, exists: true },
      { port: PORT, exists: true, enabled: false },
      { port: PORT, exists: true, description: '', enabled: false },
    ]) {
      const [d, ...rest] = compareWithIntent(intent(), actual);
      expect(rest).toEqual([]);
      expect(d).toMatchObject({ field: 'missing', actual: null });
      expect(d?.expected).toContain('description HC hc-abc cust');
    }
  });

  it('an intended-clear port is fine absent or cleared, and unexpected-config when configured', () => {
    const cleared = intent({ state: 'cleared', description: '' });
    expect(compareWithIntent(cleared, { port: PORT, exists: false })).toEqual([]);
    expect(compareWithIntent(cleared, { port: PORT, exists: true, enabled: false })).toEqual([]);
    const found = compareWithIntent(cleared, { port: PORT, exists: true, description: 'x', enabled: true });
    expect(found).toEqual([
      {
        field: 'unexpected-config',
        expected: null,
        actual: `interface ${PORT}\n description x\n enabled true`,
      },
    ]);
  });
});

describe('decideDrift: once per distinct drift', () => {
  const a = [{ field: 'description' as const, expected: 'x', actual: 'y' }];
  const b = [{ field: 'description' as const, expected: 'x', actual: 'z' }];
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it('publishes a new drift, not the same one again, again when it changes, nothing when it goes', () => {
    const first = decideDrift(undefined, a, t(0));
    expect(first.publish).toBe(true);
    const same = decideDrift(first.record, a, t(5));
    expect(same.publish).toBe(false);
    expect(same.record.driftSince).toBe(first.record.driftSince);
    const changed = decideDrift(same.record, b, t(10));
    expect(changed.publish).toBe(true);
    expect(changed.record.driftKey).not.toBe(first.record.driftKey);
    const clean = decideDrift(changed.record, [], t(15));
    expect(clean.publish).toBe(false);
    expect(clean.record).toMatchObject({ driftKey: null, drifts: [], resolvedAt: t(15).toISOString() });
    // What went away is kept, so `dcagent connections show` can list it as resolved.
    expect(clean.record.resolved).toEqual(b);
    expect(decideDrift(clean.record, [], t(16)).record).toMatchObject({
      resolved: b,
      resolvedAt: t(15).toISOString(),
    });
    // The same drift coming back after it was resolved is news again.
    const back = decideDrift(clean.record, a, t(20));
    expect(back.publish).toBe(true);
    expect(back.record).toMatchObject({ drifts: a, resolved: b });
  });

  it('a clean port with no history publishes nothing and records no resolution', () => {
    const d = decideDrift(undefined, [], t(0));
    expect(d.publish).toBe(false);
    expect(d.record.resolvedAt).toBeUndefined();
  });
});

const cfgFor = (policy: 'report' | 'heal', devicePolicy?: 'report' | 'heal') =>
  testConfig(
    {
      monitoring: { audit: { policy } },
      devices: [
        {
          id: 'sw1',
          platform: 'ietf-interfaces',
          ports: [PORT, '10GE1/0/2'],
          netconf: { username: 'u', passwordEnv: 'PW', hostKey: `SHA256:${'A'.repeat(43)}` },
          ...(devicePolicy ? { audit: { policy: devicePolicy } } : {}),
        },
      ],
    },
    { PW: 'pw-123456' },
  );

interface Published {
  type: string;
  subject: string;
  id?: string;
  data: unknown;
}

function rig(
  policy: 'report' | 'heal' = 'report',
  pending = false,
  dryRunAll = false,
  devicePolicy?: 'report' | 'heal',
) {
  const driver = new MemoryDriver('sw1');
  const intents = new MemoryIntentStore();
  const published: Published[] = [];
  const counted: string[] = [];
  const processor = createProcessor({
    cfg: cfgFor(policy, devicePolicy),
    driverFor: (): DeviceDriver => driver,
    events: {
      publish: async (e) => {
        published.push({ type: e.type, subject: e.subject, data: e.data, ...(e.id ? { id: e.id } : {}) });
      },
    },
    lock: {
      tryAcquire: async (deviceId) => ({
        deviceId,
        token: 't',
        lost: new AbortController().signal,
        release: async () => {},
      }),
    },
    watch: { watch: async () => {}, unwatch: async () => {}, lightPresent: async () => false },
    intents,
    queue: { hasPendingJob: async () => pending },
    onDrift: (device, field) => counted.push(`${device}/${field}`),
    logger: silentLogger,
    dryRunAll,
  });
  let n = 0;
  const run = (name: string, data: unknown) =>
    processor({ name, data, id: `${name}-${++n}`, attemptsMade: 0, opts: { attempts: 1 } } as unknown as Job);
  const audit = async () => (await run('audit', { schemaVersion: 1, device: 'sw1' })) as AuditResult;
  const drifts = () => published.filter((p) => p.type === 'drift.detected');
  return { driver, intents, published, counted, run, audit, drifts };
}

const provisionData = {
  schemaVersion: 1,
  connectionId: 'hc-abc',
  device: 'sw1',
  port: PORT,
  description: 'cust',
};

describe('intent records and the audit job', () => {
  it('a provision records the intent; an out-of-band edit is one drift.detected, not repeated', async () => {
    const r = rig();
    await r.run('provision', provisionData);
    const [rec] = await r.intents.forDevice('sw1');
    expect(rec).toMatchObject({
      connectionId: 'hc-abc',
      port: PORT,
      portType: '10GBASE-LR',
      description: 'HC hc-abc cust',
      state: 'configured',
      jobId: 'provision-1',
      configHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await r.audit()).drifts).toEqual([]);
    expect(r.drifts()).toEqual([]);

    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc edited', enabled: true });
    const result = await r.audit();
    expect(result.drifts).toEqual([
      {
        connectionId: 'hc-abc',
        port: PORT,
        drifts: [{ field: 'description', expected: 'HC hc-abc cust', actual: 'HC hc-abc edited' }],
        published: true,
        healed: false,
      },
    ]);
    expect(r.drifts()).toHaveLength(1);
    const ev = r.drifts()[0];
    expect(ev?.subject).toBe('hc-abc');
    const data = driftDetectedDataSchema.parse(ev?.data);
    expect(data).toMatchObject({ device: 'sw1', port: PORT, detectedBy: 'audit', policy: 'report' });
    expect(data.diff).toContain('- description HC hc-abc edited');
    expect(r.counted).toEqual(['sw1/description']);

    // The same drift at the next audit: reported in the result, not published again.
    const again = await r.audit();
    expect(again.drifts[0]?.published).toBe(false);
    expect(r.drifts()).toHaveLength(1);
    expect(r.driver.calls).not.toContain('clear');
    expect(r.driver.calls.filter((c) => c === 'apply')).toHaveLength(1);

    // Changed drift: published again; then fixed: nothing new, the record shows it resolved.
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc edited', enabled: false });
    await r.audit();
    expect(r.drifts()).toHaveLength(2);
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc cust', enabled: true });
    expect((await r.audit()).drifts).toEqual([]);
    expect(r.drifts()).toHaveLength(2);
    expect(await r.intents.lastAudit('sw1', 'hc-abc')).toMatchObject({
      driftKey: null,
      resolvedAt: expect.any(String),
    });
  });

  it('a deprovisioned port is intended-clear: configuration appearing on it is unexpected-config', async () => {
    const r = rig();
    await r.run('provision', provisionData);
    await r.run('deprovision', { schemaVersion: 1, connectionId: 'hc-abc', device: 'sw1', port: PORT });
    expect((await r.intents.forDevice('sw1'))[0]).toMatchObject({ state: 'cleared', description: '' });
    expect((await r.audit()).drifts).toEqual([]);
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'someone', enabled: true });
    const result = await r.audit();
    expect(result.drifts[0]?.drifts.map((d) => d.field)).toEqual(['unexpected-config']);
    expect(r.drifts()).toHaveLength(1);
  });

  it('under heal re-applies the intent and publishes drift.healed', async () => {
    const r = rig('heal');
    await r.run('provision', provisionData);
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc cust', enabled: false });
    const result = await r.audit();
    expect(result.drifts[0]).toMatchObject({ published: true, healed: true });
    expect(r.driver.ports.get(PORT)).toMatchObject({ description: 'HC hc-abc cust', enabled: true });
    const types = r.published.map((p) => p.type);
    // The audit's own end comes last, counting what it healed.
    expect(types.slice(-3)).toEqual(['drift.detected', 'drift.healed', 'audit.completed']);
    expect(r.published.at(-1)?.data).toMatchObject({ healed: 1, policy: 'heal' });
    const healed = driftHealedDataSchema.parse(r.published.at(-2)?.data);
    expect(healed).toMatchObject({ device: 'sw1', port: PORT, verified: true });
    expect(healed.diff).toContain('+ enabled true');
    const stored = await r.intents.lastAudit('sw1', 'hc-abc');
    expect(stored).toMatchObject({
      drifts: [],
      resolved: [{ field: 'enabled', expected: true, actual: false }],
    });
    expect(stored?.healedAt).toBe(stored?.resolvedAt);
    // Healed ends the episode: the next audit is clean and publishes nothing.
    expect((await r.audit()).drifts).toEqual([]);
    expect(r.drifts()).toHaveLength(1);
    // ... and still names what was healed.
    expect((await r.intents.lastAudit('sw1', 'hc-abc'))?.resolved).toHaveLength(1);
  });

  it('under heal leaves a connection with a job queued or running alone', async () => {
    const r = rig('heal', true);
    await r.run('provision', provisionData);
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc cust', enabled: false });
    const result = await r.audit();
    expect(result.drifts[0]).toMatchObject({ published: true, healed: false });
    expect(r.driver.ports.get(PORT)?.enabled).toBe(false);
    expect(r.published.map((p) => p.type)).not.toContain('drift.healed');
  });

  it('under run --dry-run an audit reports (policy report) and heals nothing, whatever the config says', async () => {
    const r = rig('heal', false, true);
    await r.intents.record(intent({ device: 'sw1', description: 'HC hc-abc cust' }));
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc cust', enabled: false });
    const result = await r.audit();
    expect(result.drifts[0]).toMatchObject({ published: true, healed: false });
    expect(r.drifts()[0]?.data).toMatchObject({ policy: 'report' });
    expect(r.driver.calls).not.toContain('apply');
    expect(r.published.map((p) => p.type)).not.toContain('drift.healed');
  });

  it("a device's own audit policy wins over monitoring.audit.policy", async () => {
    const r = rig('report', false, false, 'heal');
    await r.run('provision', provisionData);
    r.driver.ports.set(PORT, { port: PORT, exists: true, description: 'HC hc-abc cust', enabled: false });
    expect((await r.audit()).drifts[0]).toMatchObject({ published: true, healed: true });
    expect(r.drifts()[0]?.data).toMatchObject({ policy: 'heal' });
  });
});
