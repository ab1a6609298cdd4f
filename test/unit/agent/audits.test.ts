import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AuditScheduler } from '../../../agent/audits.js';
import { LogLimiter } from '../../../core/log-limit.js';
import { silentLogger } from '../../../core/logger.js';
import { MemoryIntentStore } from '../../../jobs/memory-intents.js';
import type { IntentRecord } from '../../../jobs/ports.js';
import { testConfig } from '../../helpers/device-config.js';

function rig(held: string[], untracked: string[] = []) {
  const added: { name: string; data: unknown; jobId: string | undefined }[] = [];
  const queue = {
    add: async (name: string, data: unknown, opts: { jobId?: string }) => {
      added.push({ name, data, jobId: opts.jobId });
    },
  } as unknown as Queue;
  const intents = new MemoryIntentStore();
  const cfg = testConfig({ monitoring: { audit: { intervalSeconds: 60 } }, devices: [] });
  /** Claims as Redis's SET NX PX would: held until it lapses. `other` plays a second replica. */
  const claims = new Map<string, number>();
  let now = 0;
  const claim = async (device: string, ms: number) => {
    if ((claims.get(device) ?? 0) > now) return false;
    claims.set(device, now + ms);
    return true;
  };
  const deps = {
    cfg,
    queue,
    intents,
    heldDevices: () => held,
    untrackedDevices: () => untracked,
    claim,
    logger: silentLogger,
    logLimit: new LogLimiter(silentLogger),
  };
  const scheduler = new AuditScheduler(deps);
  const other = new AuditScheduler({ ...deps, heldDevices: () => [] });
  const at = (t: number) => {
    now = t;
    return t;
  };
  return { added, intents, scheduler, other, at };
}

const intent = (device: string, state: IntentRecord['state'] = 'configured'): IntentRecord => ({
  connectionId: 'hc-abc',
  device,
  port: 'p1',
  portType: '10GBASE-LR',
  description: state === 'configured' ? 'HC hc-abc' : '',
  state,
  jobId: 'j',
  configHash: '0'.repeat(64),
  time: new Date().toISOString(),
});

const audit = (device: string, trigger: string, jobId: string) => ({
  name: 'audit',
  data: { schemaVersion: 1, device, trigger },
  jobId,
});

describe('the periodic audit', () => {
  it('enqueues one audit per held device with intents, named for the interval slot', async () => {
    const { added, intents, scheduler } = rig(['sw1', 'sw2']);
    await intents.record(intent('sw1'));
    await scheduler.round(125_000);
    await scheduler.round(170_000);
    expect(added).toEqual([audit('sw1', 'audit', 'audit-sw1-2'), audit('sw1', 'audit', 'audit-sw1-2')]);
    await scheduler.afterRestart('sw1', 200_000);
    expect(added.at(-1)).toEqual(audit('sw1', 'reboot', 'audit-sw1-reboot-200000'));
    await scheduler.afterRestart('sw2', 200_000);
    expect(added).toHaveLength(3);
  });

  it('audits a device whose ports are all intended-clear (nobody polls it), one replica per interval', async () => {
    // sw3's only intent is a cleared port: no tracked connection, so no poll lease holds it.
    const { added, intents, scheduler, other, at } = rig([], ['sw3', 'sw4']);
    await intents.record(intent('sw3', 'cleared'));
    await scheduler.round(at(125_000));
    // A second replica's round in the same interval finds the audit taken.
    await other.round(at(150_000));
    expect(added).toEqual([audit('sw3', 'audit', 'audit-sw3-2')]);
    // Next interval: the claim has lapsed, so it is audited again (sw4 has no intents: never).
    await scheduler.round(at(185_000));
    expect(added).toEqual([audit('sw3', 'audit', 'audit-sw3-2'), audit('sw3', 'audit', 'audit-sw3-3')]);
  });
});

describe('the audit after an outage', () => {
  it('audits a device whose polls recovered, once per recovery', async () => {
    const { added, intents, scheduler } = rig(['sw1']);
    await intents.record(intent('sw1'));
    await scheduler.afterReconnect('sw1', 100_000, 130_000);
    expect(added).toEqual([audit('sw1', 'audit', 'audit-sw1-reconnect-130000')]);
  });

  it('leaves a recovery from a reboot to the reboot audit', async () => {
    const { added, intents, scheduler } = rig(['sw1']);
    await intents.record(intent('sw1'));
    await scheduler.afterRestart('sw1', 130_000);
    await scheduler.afterReconnect('sw1', 100_000, 130_000);
    expect(added).toEqual([audit('sw1', 'reboot', 'audit-sw1-reboot-130000')]);
    // A later outage without a reboot is audited again.
    await scheduler.afterReconnect('sw1', 500_000, 530_000);
    expect(added.at(-1)).toEqual(audit('sw1', 'audit', 'audit-sw1-reconnect-530000'));
  });
});
