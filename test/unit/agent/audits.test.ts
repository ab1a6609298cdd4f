import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AuditScheduler } from '../../../agent/audits.js';
import { LogLimiter } from '../../../core/log-limit.js';
import { silentLogger } from '../../../core/logger.js';
import { MemoryIntentStore } from '../../../jobs/memory-intents.js';
import { testConfig } from '../../helpers/device-config.js';

function rig(held: string[]) {
  const added: { name: string; data: unknown; jobId: string | undefined }[] = [];
  const queue = {
    add: async (name: string, data: unknown, opts: { jobId?: string }) => {
      added.push({ name, data, jobId: opts.jobId });
    },
  } as unknown as Queue;
  const intents = new MemoryIntentStore();
  const cfg = testConfig({ monitoring: { audit: { intervalSeconds: 60 } }, devices: [] });
  const scheduler = new AuditScheduler({
    cfg,
    queue,
    intents,
    heldDevices: () => held,
    logger: silentLogger,
    logLimit: new LogLimiter(silentLogger),
  });
  return { added, intents, scheduler };
}

describe('the periodic audit', () => {
  it('enqueues one audit per held device with intents, named for the interval slot', async () => {
    const { added, intents, scheduler } = rig(['sw1', 'sw2']);
    await intents.record({
      connectionId: 'hc-abc',
      device: 'sw1',
      port: 'p1',
      portType: '10GBASE-LR',
      description: 'HC hc-abc',
      state: 'configured',
      jobId: 'j',
      configHash: '0'.repeat(64),
      time: new Date().toISOString(),
    });
    await scheduler.round(125_000);
    await scheduler.round(170_000);
    expect(added).toEqual([
      { name: 'audit', data: { schemaVersion: 1, device: 'sw1', trigger: 'audit' }, jobId: 'audit-sw1-2' },
      { name: 'audit', data: { schemaVersion: 1, device: 'sw1', trigger: 'audit' }, jobId: 'audit-sw1-2' },
    ]);
    await scheduler.afterRestart('sw1', 200_000);
    expect(added.at(-1)).toEqual({
      name: 'audit',
      data: { schemaVersion: 1, device: 'sw1', trigger: 'reboot' },
      jobId: 'audit-sw1-reboot-200000',
    });
    await scheduler.afterRestart('sw2', 200_000);
    expect(added).toHaveLength(3);
  });
});
