import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { JOB_EVENT_TYPES } from '../../../contract/events.js';
import { JOB_NAMES, JOB_SCHEMAS } from '../../../contract/jobs.js';
import { silentLogger } from '../../../core/logger.js';
import type { DeviceDriver } from '../../../drivers/driver.js';
import type { AuditResult } from '../../../jobs/handlers/audit.js';
import { JOB_HANDLERS, parseJob } from '../../../jobs/handlers/index.js';
import { createProcessor } from '../../../jobs/pipeline/processor.js';
import { MemoryDriver } from '../../fakes/memory-driver.js';
import { testConfig } from '../../helpers/device-config.js';

const cfg = testConfig(
  {
    devices: [
      {
        id: 'sw1',
        platform: 'ietf-interfaces',
        ports: ['10GE1/0/1', '10GE1/0/2'],
        netconf: { username: 'u', passwordEnv: 'PW', hostKey: `SHA256:${'A'.repeat(43)}` },
        snmp: { version: '2c', communityEnv: 'PW' },
        optics: 'h3c',
      },
    ],
  },
  { PW: 'pw-123456' },
);

interface Published {
  type: string;
  subject: string;
  data: unknown;
}

/** The envelope around a memory device, an in-process lock and a recording publisher. */
function rig() {
  const driver = new MemoryDriver('sw1');
  const published: Published[] = [];
  const locks: string[] = [];
  const processor = createProcessor({
    cfg,
    driverFor: (): DeviceDriver => driver,
    events: {
      publish: async (e) => {
        published.push({ type: e.type, subject: e.subject, data: e.data });
      },
    },
    lock: {
      tryAcquire: async (deviceId) => {
        locks.push(deviceId);
        return { deviceId, token: 't', lost: new AbortController().signal, release: async () => {} };
      },
    },
    watch: { watch: async () => {}, unwatch: async () => {}, lightPresent: async () => false },
    logger: silentLogger,
  });
  const run = (name: string, data: unknown, attempts = 1) =>
    processor({
      name,
      data,
      id: `${name}-1`,
      attemptsMade: 0,
      opts: { attempts },
    } as unknown as Job);
  return { driver, published, locks, run };
}

describe('the job-handler table', () => {
  it('has one handler and one schema per contract job name', () => {
    expect(Object.keys(JOB_HANDLERS).sort()).toEqual([...JOB_NAMES].sort());
    expect(Object.keys(JOB_SCHEMAS).sort()).toEqual([...JOB_NAMES].sort());
    // Only job types that publish events list them; every type listed is a job name.
    for (const name of Object.keys(JOB_EVENT_TYPES)) expect(JOB_NAMES).toContain(name);
    // Every job type ends with a final event of its own (CONTRACT §3), audit included.
    for (const name of JOB_NAMES) expect(JOB_EVENT_TYPES[name]?.failed).toBeDefined();
    for (const name of JOB_NAMES) expect(JOB_HANDLERS[name].name).toBe(name);
  });

  it('refuses names that only Object.prototype has, naming (name)', () => {
    expect(() => parseJob('constructor', {})).toThrow(expect.objectContaining({ code: 'invalid-job' }));
  });
});

describe('the audit handler', () => {
  it('reads every inventory port, changes nothing, and ends with audit.completed on the device subject', async () => {
    const { driver, published, locks, run } = rig();
    driver.ports.set('10GE1/0/1', {
      port: '10GE1/0/1',
      exists: true,
      description: 'HC hc-abc x',
      enabled: true,
    });
    driver.subinterfaces.set('10GE1/0/1', ['10GE1/0/1.100']);
    const result = (await run('audit', { schemaVersion: 1, device: 'sw1' })) as AuditResult;
    const completed = {
      device: 'sw1',
      port: null,
      jobId: 'audit-1',
      portsAudited: 2,
      drifts: [],
      healed: 0,
      detectedBy: 'audit',
      policy: 'report',
      durationMs: expect.any(Number),
    };
    expect(result).toEqual({
      ...completed,
      ports: [
        {
          port: '10GE1/0/1',
          exists: true,
          description: 'HC hc-abc x',
          enabled: true,
          connectionId: 'hc-abc',
          subinterfaces: ['10GE1/0/1.100'],
        },
        {
          port: '10GE1/0/2',
          exists: false,
          description: null,
          enabled: null,
          connectionId: null,
          subinterfaces: [],
        },
      ],
    });
    expect(driver.calls).not.toContain('apply');
    expect(driver.calls).not.toContain('clear');
    expect(published).toEqual([{ type: 'audit.completed', subject: 'device:sw1', data: completed }]);
    expect(locks).toEqual(['sw1']);
  });

  it('reads only the named port', async () => {
    const { driver, run } = rig();
    const result = (await run('audit', {
      schemaVersion: 1,
      device: 'sw1',
      port: '10GE1/0/2',
    })) as AuditResult;
    expect(result.ports.map((p) => p.port)).toEqual(['10GE1/0/2']);
    expect(driver.calls).toEqual(['read']);
  });

  it('an audit that names a connection ends on that connection subject', async () => {
    const { published, run } = rig();
    await run('audit', { schemaVersion: 1, device: 'sw1', connectionId: 'hc-abc' });
    expect(published.map((p) => [p.type, p.subject])).toEqual([['audit.completed', 'hc-abc']]);
  });

  it.each([
    ['unknown-device', { schemaVersion: 1, device: 'sw9' }],
    ['unknown-port', { schemaVersion: 1, device: 'sw1', port: '10GE9/9/9' }],
    ['invalid-job', { schemaVersion: 1, device: 'sw1', connectionId: 'NOT VALID' }],
  ])('fails %s at once, without touching the device, with one final audit.failed', async (code, data) => {
    const { driver, published, run } = rig();
    await expect(run('audit', data, 3)).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: expect.stringMatching(new RegExp(`^${code}: `)),
    });
    expect(driver.calls).toEqual([]);
    expect(published).toEqual([
      {
        type: 'audit.failed',
        // An invalid connection id cannot be the subject; a well-formed device id can.
        subject: 'device:' + data.device,
        data: expect.objectContaining({ code, final: true, retryable: false, attempt: 1, attemptsMax: 3 }),
      },
    ]);
  });
});

describe('the envelope', () => {
  it('a dry run for a port another connection holds fails port-in-use, as the job does', async () => {
    for (const dryRun of [true, false]) {
      const { driver, published, run } = rig();
      driver.ports.set('10GE1/0/1', {
        port: '10GE1/0/1',
        exists: true,
        description: 'HC hc-other',
        enabled: true,
      });
      const data = { schemaVersion: 1, connectionId: 'hc-mine', device: 'sw1', port: '10GE1/0/1', dryRun };
      await expect(run('provision', data)).rejects.toMatchObject({
        message: expect.stringMatching(/^port-in-use: /),
      });
      expect(published).toMatchObject([
        { type: 'provision.failed', data: { code: 'port-in-use', final: true } },
      ]);
      expect(driver.calls).not.toContain('apply');
    }
  });

  it('a dry run publishes the planned event of its own job type and takes no lock', async () => {
    const { published, locks, run } = rig();
    const data = {
      schemaVersion: 1,
      connectionId: 'hc-mine',
      device: 'sw1',
      port: '10GE1/0/1',
      dryRun: true,
    };
    await run('deprovision', data);
    expect(published.map((p) => p.type)).toEqual(['deprovision.planned']);
    expect(locks).toEqual([]);
  });

  it('a job whose name is not in the table fails invalid-job as a provision would report it', async () => {
    const { published, run } = rig();
    await expect(run('frobnicate', {})).rejects.toMatchObject({ name: 'UnrecoverableError' });
    expect(published).toMatchObject([{ type: 'provision.failed', data: { code: 'invalid-job' } }]);
  });

  it('an unexpected error after the device was touched is retryable (every job is idempotent); before, it is final', async () => {
    const data = { schemaVersion: 1, connectionId: 'hc-mine', device: 'sw1', port: '10GE1/0/1' };
    const after = rig();
    after.driver.apply = async () => {
      throw new Error('a library failed in the middle of the edit');
    };
    const errAfter = await after.run('provision', data, 3).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // Not an UnrecoverableError: BullMQ tries again, and the next attempt finishes the port.
    expect(errAfter?.name).not.toBe('UnrecoverableError');
    expect(after.published).toMatchObject([
      { type: 'provision.failed', data: { code: 'rpc-error', retryable: true, final: false } },
    ]);

    const before = rig();
    before.driver.readPortConfig = async () => {
      throw new Error('a library failed reading the port');
    };
    await expect(before.run('provision', data, 3)).rejects.toMatchObject({ name: 'UnrecoverableError' });
    expect(before.published).toMatchObject([
      { type: 'provision.failed', data: { code: 'rpc-error', retryable: false, final: true } },
    ]);
    expect(before.driver.calls).not.toContain('apply');
  });
});
