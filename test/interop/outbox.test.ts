import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../agent/connections.js';
import { EventOutbox } from '../../agent/events/outbox.js';
import { readRange } from '../../agent/events/stream.js';
import { createMetrics } from '../../agent/metrics.js';
import { createRedis, waitReady } from '../../agent/redis.js';
import { buildConfig } from '../../config/load.js';
import { EventRefusedError } from '../../core/errors.js';
import { createLogger, silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { RestartableRedis } from '../helpers/redis.js';

const degraded = (port: string) => ({
  type: 'monitoring.degraded' as const,
  data: { device: 'sw1', port, reason: 'snmp-timeout' as const, since: new Date().toISOString() },
});

async function outboxFor(
  url: string,
  spillFile: string,
  prefix: string,
  ready = true,
  logger = silentLogger,
  maxSubjects?: number,
) {
  const cfg = buildConfig({ redis: { url, prefix } }, { env: {} });
  const redis = createRedis(cfg.redis, 'fast');
  if (ready) await waitReady(redis, 5_000);
  const keys = new RedisKeys(prefix, 'events');
  const metrics = createMetrics();
  const outbox = new EventOutbox({
    redis,
    keys,
    agentId: 'test-agent',
    maxLen: 10_000,
    spillFile,
    logger,
    metrics,
    retryMs: 200,
    ...(maxSubjects ? { maxSubjects } : {}),
  });
  outbox.open();
  return { outbox, redis, keys, metrics };
}

async function sequencesOf(
  url: string,
  keys: RedisKeys,
  subject: string,
): Promise<{ seq: number[]; ports: string[] }> {
  const r = new Redis(url);
  try {
    const { entries } = await readRange(r, keys, '-', 10_000);
    const mine = entries.filter((e) => e.event.subject === subject);
    return {
      seq: mine.map((e) => e.event.sequence),
      ports: mine.map((e) => (e.event.data as { port: string }).port),
    };
  } finally {
    r.disconnect();
  }
}

describe('events outbox against real Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-outbox-'));

  it('numbers each subject contiguously from 1 and dedupes a redelivered id', async () => {
    const { url } = inject('peers').redis;
    const prefix = `t${Date.now()}`;
    const { outbox, redis, keys, metrics } = await outboxFor(url, join(dir, 'a.jsonl'), prefix);
    const a = await outbox.publish({ subject: 'hc-aaa', ...degraded('p1') });
    const b = await outbox.publish({ subject: 'hc-bbb', ...degraded('p1') });
    const c = await outbox.publish({ subject: 'hc-aaa', id: 'fixed-id-1', ...degraded('p2') });
    const again = await outbox.publish({ subject: 'hc-aaa', id: 'fixed-id-1', ...degraded('p2') });
    const d = await outbox.publish({ subject: 'hc-aaa', ...degraded('p3') });
    expect([a.event.sequence, b.event.sequence, c.event.sequence, d.event.sequence]).toEqual([1, 1, 2, 3]);
    expect(again).toMatchObject({ delivered: true, fresh: false });
    expect(again.event.sequence).toBe(2);
    expect(await sequencesOf(url, keys, 'hc-aaa')).toEqual({ seq: [1, 2, 3], ports: ['p1', 'p2', 'p3'] });
    expect(await metrics.registry.getSingleMetricAsString('dcagent_events_published_total')).toContain(
      'type="monitoring.degraded"} 4',
    );
    await outbox.close();
    redis.disconnect();
  });

  it('remembers a bounded number of subjects, keeping the most recent ones', async () => {
    const { url } = inject('peers').redis;
    const { outbox, redis } = await outboxFor(
      url,
      join(dir, 'e.jsonl'),
      `t${Date.now()}e`,
      true,
      silentLogger,
      5,
    );
    // Every junk job is a subject of its own (`job-<id>`): without a bound the map grows forever.
    for (let i = 0; i < 50; i++) await outbox.publish({ subject: `job-junk-${i}`, ...degraded('p1') });
    expect(outbox.rememberedSubjects).toBe(5);
    // A subject in use stays: it was touched last, the junk before it went first.
    await outbox.publish({ subject: 'hc-keep', ...degraded('p1') });
    for (let i = 50; i < 53; i++) await outbox.publish({ subject: `job-junk-${i}`, ...degraded('p1') });
    const again = await outbox.publish({ subject: 'hc-keep', ...degraded('p2') });
    expect(again.event.sequence).toBe(2);
    expect(outbox.rememberedSubjects).toBe(5);
    await outbox.close();
    redis.disconnect();
  });

  it('refuses an event derived from a tracker state older than the stored one', async () => {
    // Issue 11 item 3: two replicas that both moved one connection on from the same state.
    const { url } = inject('peers').redis;
    const prefix = `t${Date.now()}v`;
    const { outbox, redis, keys } = await outboxFor(url, join(dir, 'v.jsonl'), prefix);
    const store = new ConnectionStore(redis, keys);
    await store.add({ connectionId: 'hc-ver', device: 'sw1', port: 'p', portType: '10GBASE-LR' });
    const write = (ver: number, base: number, mark: string) =>
      store.trackerWrite('hc-ver', { ver, mark } as { ver: number }, base);
    const first = await outbox.publish({ subject: 'hc-ver', ...degraded('a1'), state: write(1, 0, 'a') });
    expect(first).toMatchObject({ delivered: true, fresh: true, stale: false });
    // The other replica, also from version 0: refused, not numbered, state untouched.
    const late = await outbox.publish({ subject: 'hc-ver', ...degraded('b1'), state: write(1, 0, 'b') });
    expect(late).toMatchObject({ delivered: false, fresh: false, stale: true });
    // A guard-only check (a step's earlier event) from the current version passes and writes nothing.
    const guard = store.trackerWrite('hc-ver', { ver: 2, mark: 'x' } as { ver: number }, 1, false);
    expect(await outbox.publish({ subject: 'hc-ver', ...degraded('a2'), state: guard })).toMatchObject({
      stale: false,
    });
    expect(JSON.parse((await redis.hget(keys.connection('hc-ver'), 'tracker')) ?? '')).toEqual({
      ver: 1,
      mark: 'a',
    });
    // Direct saves follow the same rule.
    expect(await store.saveTracker('hc-ver', { ver: 1 }, 0)).toBe('stale');
    expect(await store.saveTracker('hc-ver', { ver: 2 }, 1)).toBe('saved');
    expect(await store.saveTracker('hc-none', { ver: 1 }, 0)).toBe('gone');
    expect(await sequencesOf(url, keys, 'hc-ver')).toEqual({ seq: [1, 2], ports: ['a1', 'a2'] });
    await outbox.close();
    redis.disconnect();
  });

  it('after close, an event goes to the spill file for the next run instead of being lost', async () => {
    const { url } = inject('peers').redis;
    const spill = join(dir, 'f.jsonl');
    const prefix = `t${Date.now()}f`;
    const first = await outboxFor(url, spill, prefix);
    await first.outbox.close();
    const late = await first.outbox.publish({ subject: 'hc-late', ...degraded('p1') });
    expect(late.delivered).toBe(false);
    first.redis.disconnect();
    const second = await outboxFor(url, spill, prefix);
    await expect.poll(() => second.outbox.depth(), { timeout: 15_000, interval: 100 }).toBe(0);
    expect((await sequencesOf(url, second.keys, 'hc-late')).ports).toEqual(['p1']);
    await second.outbox.close();
    second.redis.disconnect();
  });

  it('refuses a malformed event instead of publishing it', async () => {
    const { url } = inject('peers').redis;
    const { outbox, redis } = await outboxFor(url, join(dir, 'b.jsonl'), `t${Date.now()}b`);
    await expect(
      outbox.publish({ type: 'monitoring.degraded', subject: 'hc-aaa', data: { device: 'sw1' } as never }),
    ).rejects.toThrow(/malformed/);
    await outbox.close();
    redis.disconnect();
  });

  it.each([
    {
      what: 'a failure event with attemptsMax 0 (BullMQ stores attempts 0 when the producer sets none)',
      type: 'provision.failed' as const,
      data: {
        device: 'sw1',
        port: 'p1',
        jobId: '17',
        code: 'unknown-port',
        message: 'no such port',
        retryable: false,
        attempt: 1,
        attemptsMax: 0,
        final: true,
      },
      field: 'data.attemptsMax',
      expect: { device: 'sw1', port: 'p1', jobId: '17', attempt: 1, attemptsMax: 1 },
    },
    {
      what: 'a success event with a field of the wrong type',
      type: 'deprovision.succeeded' as const,
      data: { device: 'sw1', port: 'p1', jobId: 'deprovision-hc-ref-1', verified: true, lightPresent: 'no' },
      field: 'data.lightPresent',
      expect: { device: 'sw1', port: 'p1', jobId: 'deprovision-hc-ref-1', attempt: 1, attemptsMax: 1 },
    },
  ])('never swallows a job event that fails its schema: $what', async (c) => {
    const { url } = inject('peers').redis;
    const prefix = `t${Date.now()}-${c.type}`;
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } });
    const { outbox, redis, keys, metrics } = await outboxFor(url, join(dir, 'r.jsonl'), prefix, true, logger);
    const err = await outbox
      .publish({ type: c.type, subject: 'hc-ref', id: 'job-x:refused-test', data: c.data as never })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventRefusedError);
    expect(err).toMatchObject({ code: 'internal-error', reported: true, retryable: false });
    expect((err as Error).message).toContain(c.field);

    // In its place, one final failure with code internal-error that names the offending field.
    const r = new Redis(url);
    const { entries } = await readRange(r, keys, '-', 100);
    r.disconnect();
    expect(entries.map((e) => e.event.type)).toEqual([c.type.replace(/\.\w+$/, '.failed')]);
    const ev = entries[0]!.event;
    expect(ev).toMatchObject({ id: 'job-x:refused-test:refused', subject: 'hc-ref', sequence: 1 });
    expect(ev.data).toMatchObject({ ...c.expect, code: 'internal-error', retryable: false, final: true });
    expect((ev.data as { message: string }).message).toContain(c.field);

    // Counted and logged at error level.
    expect(await metrics.registry.getSingleMetricAsString('dcagent_events_refused_total')).toContain(
      `type="${c.type}"} 1`,
    );
    const errors = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain(c.field);
    await outbox.close();
    redis.disconnect();
  });

  describe('while Redis is unreachable', () => {
    let redisServer: RestartableRedis;
    beforeAll(async () => {
      redisServer = await RestartableRedis.start(inject('peers').runDir);
    });
    afterAll(async () => {
      await redisServer.down();
    });

    it('spills in order, then delivers everything with contiguous sequences when Redis returns', async () => {
      const spill = join(dir, 'c.jsonl');
      const { outbox, redis, keys, metrics } = await outboxFor(redisServer.url, spill, 'dcagent');
      await outbox.publish({ subject: 'hc-out', ...degraded('before') });
      await redisServer.down();
      const spilled = [];
      for (let i = 0; i < 5; i++)
        spilled.push(await outbox.publish({ subject: 'hc-out', ...degraded(`during-${i}`) }));
      expect(spilled.every((s) => !s.delivered)).toBe(true);
      expect(outbox.depth()).toBe(5);
      expect(await metrics.registry.getSingleMetricAsString('dcagent_outbox_depth')).toContain(
        'dcagent_outbox_depth 5',
      );
      expect(readFileSync(spill, 'utf8').trim().split('\n')).toHaveLength(5);
      await redisServer.up();
      // Redis came back empty (no persistence): the stream restarts, and so must nothing be lost.
      await expect.poll(() => outbox.depth(), { timeout: 15_000, interval: 100 }).toBe(0);
      const after = await outbox.publish({ subject: 'hc-out', ...degraded('after') });
      expect(after.delivered).toBe(true);
      const got = await sequencesOf(redisServer.url, keys, 'hc-out');
      expect(got.ports).toEqual(['during-0', 'during-1', 'during-2', 'during-3', 'during-4', 'after']);
      // 'before' was 1 in the stream Redis lost; the numbering goes on from there, never reused.
      expect(got.seq).toEqual([2, 3, 4, 5, 6, 7]);
      expect(readFileSync(spill, 'utf8')).toBe('');
      await outbox.close();
      redis.disconnect();
    });

    it('drops a spilled event whose state another replica has moved past meanwhile', async () => {
      // Issue 11 item 3: a late spill flush must not land `unavailable` after `available`.
      const spillB = join(dir, 'late-b.jsonl');
      await redisServer.down();
      const b = await outboxFor(redisServer.url, spillB, 'late', false);
      const store = (r: typeof b.redis) => new ConnectionStore(r, b.keys);
      const write = (ver: number, base: number) =>
        store(b.redis).trackerWrite('hc-late', { ver } as { ver: number }, base);
      const spilled = await b.outbox.publish({
        subject: 'hc-late',
        ...degraded('b-late'),
        state: write(1, 0),
      });
      expect(spilled.delivered).toBe(false);
      await b.outbox.close(200);
      b.redis.disconnect();

      await redisServer.up();
      const a = await outboxFor(redisServer.url, join(dir, 'late-a.jsonl'), 'late');
      await store(a.redis).add({ connectionId: 'hc-late', device: 'sw1', port: 'p', portType: '10GBASE-LR' });
      await a.outbox.publish({ subject: 'hc-late', ...degraded('a1'), state: write(1, 0) });
      await a.outbox.publish({ subject: 'hc-late', ...degraded('a2'), state: write(2, 1) });

      // Replica b restarts and flushes its spill: refused, and the spill empties.
      const b2 = await outboxFor(redisServer.url, spillB, 'late');
      await expect.poll(() => b2.outbox.depth(), { timeout: 15_000, interval: 100 }).toBe(0);
      expect(await sequencesOf(redisServer.url, a.keys, 'hc-late')).toEqual({
        seq: [1, 2],
        ports: ['a1', 'a2'],
      });
      expect(await a.redis.hget(a.keys.connection('hc-late'), 'trackerVer')).toBe('2');
      for (const o of [a, b2]) {
        await o.outbox.close();
        o.redis.disconnect();
      }
    });

    it('keeps spilled events across an agent restart during the outage', async () => {
      const spill = join(dir, 'd.jsonl');
      const first = await outboxFor(redisServer.url, spill, 'restart');
      await first.outbox.publish({ subject: 'hc-rst', ...degraded('one') });
      await redisServer.down();
      await first.outbox.publish({ subject: 'hc-rst', ...degraded('two') });
      await first.outbox.publish({ subject: 'hc-rst', ...degraded('three') });
      // The agent dies with two events spilled (close() cannot deliver them either).
      await first.outbox.close(200);
      first.redis.disconnect();

      const second = await outboxFor(redisServer.url, spill, 'restart', false);
      expect(second.outbox.depth()).toBe(2);
      await second.outbox.publish({ subject: 'hc-rst', ...degraded('four') });
      await redisServer.up();
      await expect.poll(() => second.outbox.depth(), { timeout: 15_000, interval: 100 }).toBe(0);
      const got = await sequencesOf(redisServer.url, second.keys, 'hc-rst');
      expect(got.ports).toEqual(['two', 'three', 'four']);
      // 'one' was 1 in the lost stream; the spill file carried that floor across the restart.
      expect(got.seq).toEqual([2, 3, 4]);
      await second.outbox.close();
      second.redis.disconnect();
    });
  });
});
