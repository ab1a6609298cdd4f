// Issue 15 §3 against real peers: a lab switch (real SNMP agent, Huawei optics MIB) whose light
// drifts on an accelerated lab clock, the agent's SnmpPoller reading it, the OpticsWatch the
// monitor uses fed with the lab clock, a real Redis and the real outbox. A day of drift passes
// in seconds; nothing sleeps a day.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConnectionRecord } from '../../agent/connections.js';
import { EventOutbox } from '../../agent/events/outbox.js';
import { readRange } from '../../agent/events/stream.js';
import { createMetrics } from '../../agent/metrics.js';
import { HOUR_MS, readOpticsHistory } from '../../agent/optics-history.js';
import { OpticsWatch } from '../../agent/optics-watch.js';
import { createRedis, type RedisClient, waitReady } from '../../agent/redis.js';
import { buildConfig, findPort } from '../../config/load.js';
import type { EventData } from '../../contract/events.js';
import { LogLimiter } from '../../core/log-limit.js';
import { silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import type { PortReading } from '../../drivers/snmp/poll-result.js';
import { SnmpPoller } from '../../drivers/snmp/poller.js';
import { labModel } from '../../lab/catalog.js';
import { type Lab, startLab } from '../../lab/index.js';

const PORT = labModel('ietf-interfaces').platform.portName('10GBASE-LR', 1);
/** One lab hour is 100 ms of real time. */
const FACTOR = 36_000;
const LOW_ALARM = -14.4; // 10GBASE-LR's default low Rx bound, what the monitor judges this port with

describe('optics trend on a drifting lab port', () => {
  const peers = inject('peers');
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-trend-'));
  let lab: Lab;
  let redis: RedisClient;
  let poller: SnmpPoller;
  const outboxes: EventOutbox[] = [];

  beforeAll(async () => {
    lab = await startLab({ devices: 1, ports: 1, patched: true, clockFactor: FACTOR, controlPort: false });
    const cfg = buildConfig({ redis: { url: peers.redis.url }, devices: [] }, { env: {} });
    redis = createRedis(cfg.redis, 'fast');
    await waitReady(redis, 5_000);
    const dev = lab.deviceConfig(lab.devices[0]!.id);
    poller = new SnmpPoller([dev], cfg.monitoring, { logger: silentLogger });
  });

  afterAll(async () => {
    for (const o of outboxes) await o.close();
    poller?.close();
    redis?.disconnect();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A watch as app.ts builds it, on its own prefix, with the lab's clock. */
  function watchFor(
    prefix: string,
    trend: { windowHours: number; forecastHours: number; minDropDb: number },
  ) {
    const keys = new RedisKeys(prefix, 'events');
    const outbox = new EventOutbox({
      redis,
      keys,
      agentId: 'trend-test',
      maxLen: 10_000,
      spillFile: join(dir, `${prefix}.spill`),
      logger: silentLogger,
      metrics: createMetrics(),
      retryMs: 200,
    });
    outbox.open();
    outboxes.push(outbox);
    const make = () =>
      new OpticsWatch({
        redis,
        keys,
        events: outbox,
        log: new LogLimiter(silentLogger),
        cfg: trend,
        clock: lab.clock.now,
      });
    return { keys, make };
  }

  const device = () => lab.devices[0]!;
  const record = (id: string): ConnectionRecord => ({
    connectionId: id,
    device: device().id,
    port: PORT,
    portType: '10GBASE-LR',
    since: new Date().toISOString(),
  });
  const portCfg = () => findPort(lab.deviceConfig(device().id), PORT)!;

  async function poll(): Promise<PortReading> {
    const [r] = await poller.poll(device().id, [PORT]);
    if (!r?.ok) throw new Error(`poll failed: ${r && !r.ok ? r.message : 'no result'}`);
    return r;
  }

  /** Polls (as fast as the switch answers) until `labHours` of lab time have passed. */
  async function runFor(watch: OpticsWatch, rec: ConnectionRecord, labHours: number): Promise<void> {
    const until = lab.clock.now() + labHours * HOUR_MS;
    while (lab.clock.now() < until) {
      const r = await poll();
      await watch.observe(rec, portCfg(), r, [], Date.now());
    }
  }

  /** Construction completes on this reading: the baseline is what the lane shows now. */
  async function complete(watch: OpticsWatch, rec: ConnectionRecord): Promise<PortReading> {
    const r = await poll();
    const done = {
      type: 'construction.completed',
      data: { evidence: { rxDbm: [...r.rxDbm], txDbm: [...r.txDbm] } },
    };
    await watch.observe(rec, portCfg(), r, [done], Date.now());
    return r;
  }

  async function trendEvents(keys: RedisKeys, subject: string): Promise<EventData<'optics.degrading'>[]> {
    const { entries } = await readRange(redis, keys, '-', 10_000);
    return entries
      .filter((e) => e.event.subject === subject && e.event.type === 'optics.degrading')
      .map((e) => e.event.data as EventData<'optics.degrading'>);
  }

  it('a −0.5 dB/day drift gives one trend event, hoursToAlarm within 10 % of the truth, once per episode across a restart', async () => {
    const { keys, make } = watchFor(`trend${Date.now()}`, {
      windowHours: 24,
      forecastHours: 72,
      minDropDb: 1,
    });
    const rec = record('conn-drift');
    const sim = device().sim;
    // Light that arrived 9 dB low (a long cross-connect): its baseline sits 2.4 dB from the bound.
    sim.degrade(PORT, 9);
    const watch = make();
    const first = await complete(watch, rec);
    const baseline = first.rxDbm[0]!;
    const perHour = -0.5 / 24;
    const since = lab.clock.now();
    sim.drift(PORT, perHour);
    // The event is due after ~48 lab hours (a 1 dB drop); 80 leaves room and tests "once".
    let events: EventData<'optics.degrading'>[] = [];
    for (let h = 0; h < 80 && events.length === 0; h += 4) {
      await runFor(watch, rec, 4);
      events = await trendEvents(keys, rec.connectionId);
    }
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev).toMatchObject({ lane: 1, direction: 'rx', cause: 'trend', baselineDbm: baseline });
    expect(ev.slopeDbPerDay).toBeCloseTo(-0.5, 1);
    // The newest hour fitted is the last stored one; the truth is measured from its middle.
    const { points } = await readOpticsHistory(redis, keys, rec.connectionId);
    const lastT = Math.max(...points.map((p) => p.t));
    const trueRx = baseline + perHour * ((lastT + HOUR_MS / 2 - since) / HOUR_MS);
    const truth = (trueRx - LOW_ALARM) / -perHour;
    expect(Math.abs(ev.hoursToAlarm! - truth) / truth).toBeLessThan(0.1);
    expect(baseline - ev.dbm).toBeGreaterThanOrEqual(1 - 0.05);

    // A restarted agent (or the replica the lease moved to) continues the same episode.
    const again = make();
    await runFor(again, rec, 6);
    expect(await trendEvents(keys, rec.connectionId)).toHaveLength(1);
    // The history stays within its window.
    const after = await readOpticsHistory(redis, keys, rec.connectionId);
    expect(new Set(after.points.map((p) => p.t)).size).toBeLessThanOrEqual(24);
    expect(after.baseline?.rx[0]).toBe(baseline);
    sim.drift(PORT, 0);
    sim.degrade(PORT, 0);
  }, 120_000);

  it('a flat lane with ±0.3 dB noise gives nothing, even 0.8 dB from its alarm bound with no drop required', async () => {
    const { keys, make } = watchFor(`flat${Date.now()}`, {
      windowHours: 24,
      forecastHours: 72,
      minDropDb: 0,
    });
    const rec = record('conn-flat');
    const sim = device().sim;
    sim.degrade(PORT, 10.6);
    sim.drift(PORT, 0, 0.3, 42);
    const watch = make();
    await complete(watch, rec);
    await runFor(watch, rec, 72);
    const hist = await readOpticsHistory(redis, keys, rec.connectionId);
    // The run did build a history for the fit to look at (else "nothing" would prove nothing).
    expect(new Set(hist.points.map((p) => p.t)).size).toBeGreaterThanOrEqual(12);
    const spread = hist.points.map((p) => (p.rxMax ?? 0) - (p.rxMin ?? 0));
    expect(Math.max(...spread)).toBeGreaterThan(0.3);
    expect(await trendEvents(keys, rec.connectionId)).toEqual([]);
    sim.drift(PORT, 0);
    sim.degrade(PORT, 0);
  }, 120_000);
});
