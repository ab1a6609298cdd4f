import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { EventOutbox } from '../../agent/events/outbox.js';
import { readRange } from '../../agent/events/stream.js';
import { createRedis, waitReady } from '../../agent/redis.js';
import { type AgentConfig, buildConfig } from '../../config/load.js';
import type { DcEvent } from '../../contract/events.js';
import { DcAgentError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { DeviceLock } from '../../jobs/device-lock.js';
import { createProcessor } from '../../jobs/pipeline/processor.js';
import { createQueue, createWorker, enqueueJob } from '../../jobs/pipeline/queue.js';
import type { ConnectionWatch, WatchedPort } from '../../jobs/ports.js';
import { MemoryDriver } from '../fakes/memory-driver.js';

const FP = 'SHA256:Ra3YvU1tUYxT5hZb2cU0qW8bN6m1FV8s1v0gq7JzK9A';
const dev = (id: string) => ({
  id,
  host: '127.0.0.1',
  platform: 'ietf-interfaces',
  portType: '10GBASE-LR',
  ports: ['10GE1/0/1', '10GE1/0/2', '10GE1/0/3', '10GE1/0/4', '10GE1/0/5', '10GE1/0/6', '10GE1/0/7'],
  netconf: { username: 'u', passwordEnv: 'JOBS_PW', hostKey: FP },
  snmp: { version: '2c', communityEnv: 'JOBS_PW' },
  optics: 'h3c',
});

describe('job processors on BullMQ and real Redis', () => {
  const prefix = `jobs${Date.now()}`;
  let cfg: AgentConfig;
  let queue: Queue;
  let worker: Worker;
  let reader: Redis;
  let keys: RedisKeys;
  let lock: DeviceLock;
  const drivers = new Map<string, MemoryDriver>();
  const watched: WatchedPort[] = [];
  const unwatched: string[] = [];
  let outbox: EventOutbox;
  let fast: ReturnType<typeof createRedis>;
  let bull: ReturnType<typeof createRedis>;

  beforeAll(async () => {
    const { url } = inject('peers').redis;
    cfg = buildConfig(
      {
        redis: { url, prefix },
        queues: { attempts: 3, backoffMs: 100, deviceLockRetryMs: 200, deviceLockLeaseMs: 3_000 },
        devices: [dev('sw1'), dev('sw2')],
      },
      { env: { JOBS_PW: 'pw-123456' } },
    );
    keys = new RedisKeys(prefix, cfg.events.stream);
    fast = createRedis(cfg.redis, 'fast');
    bull = createRedis(cfg.redis, 'worker');
    await waitReady(fast, 5_000);
    reader = new Redis(url);
    outbox = new EventOutbox({
      redis: fast,
      keys,
      agentId: 'jobs-test',
      maxLen: 10_000,
      spillFile: join(mkdtempSync(join(tmpdir(), 'dcagent-jobs-')), 'spill.jsonl'),
      logger: silentLogger,
    });
    outbox.open();
    lock = new DeviceLock(fast, keys, cfg.queues.deviceLockLeaseMs, silentLogger, 'jobs-test');
    const watch: ConnectionWatch = {
      watch: async (p) => {
        watched.push(p);
      },
      unwatch: async (c) => {
        unwatched.push(c);
      },
      lightPresent: async () => true,
    };
    const processor = createProcessor({
      cfg,
      driverFor: (d) => {
        const drv = drivers.get(d.id) ?? new MemoryDriver(d.id);
        drivers.set(d.id, drv);
        return drv;
      },
      events: outbox,
      lock,
      watch,
      logger: silentLogger,
    });
    queue = createQueue(cfg, bull);
    worker = createWorker(cfg, bull, processor);
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await outbox?.close();
    reader?.disconnect();
    fast?.disconnect();
    bull?.disconnect();
  });

  beforeEach(() => {
    for (const d of drivers.values()) d.calls.length = 0;
  });

  async function settle(
    jobId: string,
    timeout = 15_000,
  ): Promise<{ state: string; job: Awaited<ReturnType<Queue['getJob']>> }> {
    let state = '';
    await expect
      .poll(
        async () => {
          state = (await queue.getJobState(jobId)) as string;
          return state === 'completed' || state === 'failed';
        },
        { timeout, interval: 50 },
      )
      .toBe(true);
    return { state, job: await queue.getJob(jobId) };
  }

  async function eventsOf(subject: string): Promise<DcEvent[]> {
    const { entries } = await readRange(reader, keys, '-', 10_000);
    return entries.map((e) => e.event).filter((e) => e.subject === subject);
  }

  it('invalid data fails at once, without retry, naming every bad field, and touches no device', async () => {
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: 'hc-bad1', device: 'sw1', port: 7, description: 'a\nb', extra: 1 },
      { jobId: 'provision-hc-bad1-1' },
    );
    const { state, job } = await settle('provision-hc-bad1-1');
    expect(state).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    const [ev] = await eventsOf('hc-bad1');
    expect(ev?.type).toBe('provision.failed');
    expect(ev?.data).toMatchObject({
      code: 'invalid-job',
      retryable: false,
      final: true,
      attempt: 1,
      attemptsMax: 3,
    });
    const fields = (ev?.data as { fields?: { path: string }[] } | undefined)?.fields?.map((f) => f.path);
    expect(fields).toEqual(expect.arrayContaining(['port', 'description', 'extra']));
    expect(drivers.get('sw1')?.calls ?? []).toEqual([]);
  });

  it('unknown device and unknown port are unrecoverable', async () => {
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: 'hc-unk1', device: 'nope', port: 'x' },
      { jobId: 'provision-hc-unk1-1' },
    );
    await queue.add(
      'deprovision',
      { schemaVersion: 1, connectionId: 'hc-unk2', device: 'sw1', port: 'Gi9/9' },
      { jobId: 'deprovision-hc-unk2-1' },
    );
    expect((await settle('provision-hc-unk1-1')).state).toBe('failed');
    expect((await settle('deprovision-hc-unk2-1')).state).toBe('failed');
    expect((await eventsOf('hc-unk1'))[0]?.data).toMatchObject({
      code: 'unknown-device',
      device: 'nope',
      final: true,
    });
    expect((await eventsOf('hc-unk2'))[0]).toMatchObject({
      type: 'deprovision.failed',
      data: { code: 'unknown-port', device: 'sw1' },
    });
  });

  it('provisions, starts watching, and a re-run of the same intent changes nothing', async () => {
    const data = {
      schemaVersion: 1,
      connectionId: 'hc-ok1',
      device: 'sw1',
      port: '10GE1/0/1',
      description: 'ACME',
    };
    await enqueueJob(queue, 'provision', data, 'provision-hc-ok1-1');
    const first = await settle('provision-hc-ok1-1');
    expect(first.state).toBe('completed');
    expect(first.job?.returnvalue).toMatchObject({
      verified: true,
      description: 'HC hc-ok1 ACME',
      changed: true,
    });
    expect(watched).toContainEqual({
      connectionId: 'hc-ok1',
      device: 'sw1',
      port: '10GE1/0/1',
      portType: '10GBASE-LR',
    });
    await enqueueJob(queue, 'provision', data, 'provision-hc-ok1-2');
    expect((await settle('provision-hc-ok1-2')).job?.returnvalue).toMatchObject({ changed: false });
    const evs = await eventsOf('hc-ok1');
    expect(evs.map((e) => [e.type, e.sequence])).toEqual([
      ['provision.succeeded', 1],
      ['provision.succeeded', 2],
    ]);
  });

  it('adding the same jobId twice does nothing', async () => {
    const data = { schemaVersion: 1, connectionId: 'hc-dup1', device: 'sw2', port: '10GE1/0/2' };
    await enqueueJob(queue, 'provision', data, 'provision-hc-dup1-1');
    await settle('provision-hc-dup1-1');
    await enqueueJob(queue, 'provision', data, 'provision-hc-dup1-1');
    await new Promise((r) => setTimeout(r, 300));
    expect((await eventsOf('hc-dup1')).length).toBe(1);
  });

  it('a port configured for another connection fails with port-in-use, no retry', async () => {
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: 'hc-other', device: 'sw1', port: '10GE1/0/1' },
      'provision-hc-other-1',
    );
    const { state, job } = await settle('provision-hc-other-1');
    expect(state).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect((await eventsOf('hc-other'))[0]?.data).toMatchObject({ code: 'port-in-use', retryable: false });
    expect(drivers.get('sw1')?.calls).not.toContain('apply');
  });

  it('a deprovision blocked by sub-interfaces completes with the blocked data and changes nothing', async () => {
    drivers.get('sw1')?.subinterfaces.set('10GE1/0/1', ['10GE1/0/1.100']);
    await enqueueJob(
      queue,
      'deprovision',
      { schemaVersion: 1, connectionId: 'hc-ok1', device: 'sw1', port: '10GE1/0/1' },
      'deprovision-hc-ok1-1',
    );
    const { state, job } = await settle('deprovision-hc-ok1-1');
    expect(state).toBe('completed');
    expect(job?.returnvalue).toMatchObject({
      reason: 'private-virtual-interfaces',
      subinterfaces: ['10GE1/0/1.100'],
    });
    expect(drivers.get('sw1')?.calls).not.toContain('clear');
    drivers.get('sw1')?.subinterfaces.delete('10GE1/0/1');
    await enqueueJob(
      queue,
      'deprovision',
      { schemaVersion: 1, connectionId: 'hc-ok1', device: 'sw1', port: '10GE1/0/1' },
      'deprovision-hc-ok1-2',
    );
    expect((await settle('deprovision-hc-ok1-2')).job?.returnvalue).toMatchObject({
      verified: true,
      lightPresent: true,
    });
    expect(unwatched).toContain('hc-ok1');
    expect((await eventsOf('hc-ok1')).map((e) => e.type).slice(-2)).toEqual([
      'deprovision.blocked',
      'deprovision.succeeded',
    ]);
  });

  it('retryable failures back off and the events carry attempt and attemptsMax', async () => {
    const drv = drivers.get('sw2')!;
    drv.applyFailures.push(
      new DcAgentError('timeout', 'rpc timed out'),
      new DcAgentError('unreachable', 'connection refused'),
    );
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: 'hc-retry', device: 'sw2', port: '10GE1/0/1' },
      'provision-hc-retry-1',
    );
    const { state } = await settle('provision-hc-retry-1');
    expect(state).toBe('completed');
    const evs = await eventsOf('hc-retry');
    expect(evs.map((e) => [e.type, (e.data as { attempt?: number }).attempt, e.sequence])).toEqual([
      ['provision.failed', 1, 1],
      ['provision.failed', 2, 2],
      ['provision.succeeded', undefined, 3],
    ]);
    expect(evs[1]?.data).toMatchObject({
      code: 'unreachable',
      retryable: true,
      final: false,
      attemptsMax: 3,
    });
  });

  describe('a job added with BullMQ defaults (no attempts: BullMQ stores 0)', () => {
    let raw: Queue;
    beforeAll(() => {
      raw = new Queue(cfg.queues.jobs, { connection: bull, prefix });
    });
    afterAll(() => raw?.close());

    it('an unrecoverable failure publishes one final event with attemptsMax 1', async () => {
      const job = await raw.add('provision', {
        schemaVersion: 1,
        connectionId: 'hc-def1',
        device: 'sw1',
        port: 'Gi9/9',
      });
      expect(job.opts.attempts ?? 0).toBe(0);
      const { state, job: done } = await settle(String(job.id));
      expect(state).toBe('failed');
      expect(done?.failedReason).toMatch(/^unknown-port: /);
      const evs = await eventsOf('hc-def1');
      expect(evs.map((e) => e.type)).toEqual(['provision.failed']);
      expect(evs[0]?.data).toMatchObject({
        jobId: String(job.id),
        code: 'unknown-port',
        attempt: 1,
        attemptsMax: 1,
        final: true,
      });
    });

    it('a retryable failure is final on the one attempt, and failedReason carries its code', async () => {
      drivers.get('sw2')!.applyFailures.push(new DcAgentError('unreachable', 'connection refused'));
      const job = await raw.add('provision', {
        schemaVersion: 1,
        connectionId: 'hc-def2',
        device: 'sw2',
        port: '10GE1/0/4',
      });
      const { state, job: done } = await settle(String(job.id));
      expect(state).toBe('failed');
      expect(done?.attemptsMade).toBe(1);
      expect(done?.failedReason).toBe('unreachable: connection refused');
      const evs = await eventsOf('hc-def2');
      expect(evs.map((e) => [e.type, (e.data as { code: string }).code])).toEqual([
        ['provision.failed', 'unreachable'],
      ]);
      expect(evs[0]?.data).toMatchObject({ retryable: true, attempt: 1, attemptsMax: 1, final: true });
    });
  });

  it('a malformed success event (an agent bug) ends the job with one final internal-error naming the field', async () => {
    drivers.get('sw2')!.applyOverrides.push({ confirmedCommit: 'yes' });
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: 'hc-bug1', device: 'sw2', port: '10GE1/0/5' },
      'provision-hc-bug1-1',
    );
    const { state, job } = await settle('provision-hc-bug1-1');
    expect(state).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/^internal-error: .*data\.confirmedCommit/);
    const evs = await eventsOf('hc-bug1');
    expect(evs.map((e) => e.type)).toEqual(['provision.failed']);
    expect(evs[0]?.data).toMatchObject({
      jobId: 'provision-hc-bug1-1',
      device: 'sw2',
      port: '10GE1/0/5',
      code: 'internal-error',
      retryable: false,
      final: true,
    });
    expect((evs[0]!.data as { message: string }).message).toContain('data.confirmedCommit');
  });

  it('the last failed attempt says final', async () => {
    const drv = drivers.get('sw2')!;
    drv.applyFailures.push(
      ...[1, 2, 3].map(() => new DcAgentError('lock-denied', 'candidate locked by session 9')),
    );
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: 'hc-fail3', device: 'sw2', port: '10GE1/0/3' },
      'provision-hc-fail3-1',
    );
    expect((await settle('provision-hc-fail3-1')).state).toBe('failed');
    const evs = await eventsOf('hc-fail3');
    expect(evs.map((e) => (e.data as { final: boolean }).final)).toEqual([false, false, true]);
  });

  it('a job that finds its device locked is delayed, not failed, and runs once the lock is free', async () => {
    const held = await lock.tryAcquire('sw1', 'someone-else');
    expect(held).toBeDefined();
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: 'hc-wait1', device: 'sw1', port: '10GE1/0/2' },
      'provision-hc-wait1-1',
    );
    await expect
      .poll(() => queue.getJobState('provision-hc-wait1-1'), { timeout: 5_000, interval: 50 })
      .toBe('delayed');
    await new Promise((r) => setTimeout(r, 600));
    expect(await eventsOf('hc-wait1')).toEqual([]);
    await held?.release();
    const { state, job } = await settle('provision-hc-wait1-1');
    expect(state).toBe('completed');
    expect(job?.attemptsMade).toBe(1);
  });

  it('jobs for one device never write at the same time; different devices run in parallel', async () => {
    const d1 = drivers.get('sw1')!;
    const d2 = drivers.get('sw2')!;
    d1.maxConcurrentWrites = 0;
    d2.maxConcurrentWrites = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    d1.gate = gate;
    d2.gate = gate;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const device = i % 2 ? 'sw1' : 'sw2';
      const id = `provision-hc-par${i}-1`;
      await enqueueJob(
        queue,
        'provision',
        { schemaVersion: 1, connectionId: `hc-par${i}`, device, port: `10GE1/0/${4 + Math.floor(i / 2)}` },
        id,
      );
      ids.push(id);
    }
    try {
      // Both devices are inside apply() at the same moment, while their other jobs wait.
      await expect
        .poll(() => d1.concurrentWrites + d2.concurrentWrites, { timeout: 5_000, interval: 20 })
        .toBe(2);
      await new Promise((r) => setTimeout(r, 500));
      expect([d1.concurrentWrites, d2.concurrentWrites]).toEqual([1, 1]);
      // The waiting jobs may be queued, delayed by the device lock, or between the two under
      // load; what matters is that none has finished (or failed) while the gate is shut.
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      expect(states.filter((s) => s === 'completed' || s === 'failed')).toEqual([]);
    } finally {
      open();
      d1.gate = undefined;
      d2.gate = undefined;
    }
    for (const id of ids) expect((await settle(id, 30_000)).state).toBe('completed');
    expect(d1.maxConcurrentWrites).toBe(1);
    expect(d2.maxConcurrentWrites).toBe(1);
  });
});
