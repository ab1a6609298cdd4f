import { describe, expect, it } from 'vitest';
import { initialState } from '../../../agent/health/track-state.js';
import { createMetrics, metricsText } from '../../../agent/metrics.js';
import { Monitor, type MonitorDeps } from '../../../agent/monitor.js';
import { secondTurnAt } from '../../../agent/poll-schedule.js';
import { createLogger } from '../../../core/logger.js';
import type { PortPollResult } from '../../../drivers/snmp/poller.js';
import { storeStub, switchConfig } from '../../helpers/monitor-stubs.js';

// The monitor's series for one port: what a poll sets, and that a device handed to another
// replica (or a connection removed) leaves no stale series behind. Redis-backed parts (store,
// leases, outbox) are replaced by minimal stand-ins: only the metrics are under test here.

const cfg = switchConfig(['100GE1/0/5'], '100GBASE-LR4');

const record = {
  connectionId: 'hc-1',
  device: 'sw1',
  port: '100GE1/0/5',
  portType: '100GBASE-LR4' as const,
  since: new Date(0).toISOString(),
};

function reading(rx: (number | null)[]): Extract<PortPollResult, { ok: true }> {
  const lanes = rx.map((r, i) => ({ lane: i + 1, rxDbm: r, txDbm: 1 }));
  return {
    ok: true,
    device: 'sw1',
    port: '100GE1/0/5',
    ifIndex: 5,
    adminStatus: 'up',
    operStatus: 'up',
    lanes,
    rxDbm: rx,
    txDbm: lanes.map(() => 1),
    opticsRead: true,
    opticPresent: true,
    at: 0,
  };
}

function setup(o: { tracker?: unknown; clock?: () => number } = {}) {
  const metrics = createMetrics();
  const published: { type: string; id: string; data: unknown }[] = [];
  let mine = new Set(['sw1']);
  let rows = [{ record, tracker: o.tracker }];
  let version = 1;
  let result: PortPollResult = reading([-3, -3, null, -3]);
  const deps: MonitorDeps = {
    cfg,
    metrics,
    logger: createLogger({ level: 'silent' }),
    poller: { poll: async () => [result] },
    store: storeStub(
      () => rows,
      () => String(version),
    ) as never,
    leases: { claim: async () => mine, releaseAll: async () => {} } as never,
    events: {
      publish: async (e: { type: string; id: string; data: unknown }) => {
        published.push(e);
        return {} as never;
      },
      depth: () => 0,
    } as never,
    clock:
      o.clock ??
      (() => {
        let t = 0;
        return () => (t += 20_000);
      })(),
  };
  const monitor = new Monitor(deps);
  const text = () => metricsText(metrics);
  return {
    monitor,
    text,
    published,
    handOver: () => {
      mine = new Set();
    },
    drop: () => {
      rows = [];
      version++;
    },
    set: (r: PortPollResult) => {
      result = r;
    },
  };
}

/** One lease round, then the polls it starts (the monitor's two loops, driven by hand). */
async function round(monitor: Monitor): Promise<void> {
  const m = monitor as unknown as { claimRound(): Promise<void>; wake(): void; inFlight: Set<Promise<void>> };
  await m.claimRound();
  m.wake();
  await Promise.all([...m.inFlight]);
}

describe('monitor metrics', () => {
  it("a module's own thresholds judge the lanes, are exported as the port's bounds, and a warning band opens one optics.degrading per lane", async () => {
    const t = setup({ tracker: initialState('sw1', '100GE1/0/5', { availability: 'available' }) });
    const moduleThresholds = {
      rx: { lowAlarm: -13, lowWarning: -10, highWarning: 3, highAlarm: 5 },
      tx: { lowAlarm: -6, lowWarning: -4, highWarning: 3, highAlarm: 5 },
    };
    // -11 dBm is below the 100GBASE-LR4 default (-10.6) but inside this module's alarm bound.
    t.set({ ...reading([-11, -11, -3, -3]), moduleThresholds });
    for (let i = 0; i < 4; i++) await round(t.monitor);
    const body = await t.text();
    expect(body).toMatch(/dcagent_port_rx_threshold_dbm\{[^}]*lane="1",bound="low-alarm"\} -13/);
    expect(body).toMatch(/dcagent_port_rx_threshold_dbm\{[^}]*lane="1",bound="low-warning"\} -10/);
    expect(body).toMatch(/dcagent_port_healthy\{[^}]*\} 1/);
    const degrading = t.published.filter((e) => e.type === 'optics.degrading');
    expect(degrading.map((e) => e.data)).toEqual([
      expect.objectContaining({ lane: 1, direction: 'rx', cause: 'warning-threshold', dbm: -11 }),
      expect.objectContaining({ lane: 2, direction: 'rx', cause: 'warning-threshold', dbm: -11 }),
    ]);
    expect(new Set(degrading.map((e) => e.id)).size).toBe(2);
    expect(t.published.map((e) => e.type)).not.toContain('availability.changed');
    // Without the module's bounds the same light is an outage: the default alarm bound is -10.6.
    const u = setup({ tracker: initialState('sw1', '100GE1/0/5', { availability: 'available' }) });
    u.set(reading([-11, -11, -3, -3]));
    for (let i = 0; i < 3; i++) await round(u.monitor);
    expect(u.published.map((e) => e.type)).toContain('availability.changed');
  });

  it('a poll sets state, per-lane bounds, optic presence and dark lanes; a dark lane has no Rx sample', async () => {
    const t = setup();
    await round(t.monitor);
    const body = await t.text();
    expect(body).toMatch(
      /dcagent_connection_state\{[^}]*connection="hc-1"[^}]*state="under-construction"\} 1/,
    );
    expect(body).toMatch(/dcagent_port_rx_threshold_dbm\{[^}]*lane="4",bound="low-alarm"\} -10.6/);
    expect(body).toMatch(/dcagent_port_optic_present\{[^}]*\} 1/);
    expect(body).toMatch(/dcagent_port_rx_dark\{[^}]*lane="3"\} 1/);
    expect(body).toMatch(/dcagent_port_rx_dark\{[^}]*lane="1"\} 0/);
    expect(body).not.toMatch(/dcagent_port_rx_dbm\{[^}]*lane="3"\}/);
    expect(body).toMatch(/dcagent_port_rx_dbm\{[^}]*lane="1"\} -3/);
  });

  it('a device taken over by another replica leaves no stale series here', async () => {
    const t = setup();
    await round(t.monitor);
    expect(await t.text()).toContain('100GE1/0/5');
    t.handOver();
    await round(t.monitor);
    expect(await t.text()).not.toContain('100GE1/0/5');
  });

  it('a connection removed elsewhere leaves no stale series here', async () => {
    const t = setup();
    await round(t.monitor);
    t.drop();
    await round(t.monitor);
    expect(await t.text()).not.toContain('hc-1');
    expect(await t.text()).not.toContain('100GE1/0/5');
  });

  describe('dcagent_detection_seconds from the poll path', () => {
    const intervalMs = cfg.monitoring.intervalSeconds * 1000;
    const downPolls = cfg.monitoring.downPolls;
    const available = { ...initialState('sw1', '100GE1/0/5', { availability: 'available' }) };
    const cut = { ...reading([null, null, null, null]), operStatus: 'down' as const };
    const samples = async (text: string) => {
      const count = /dcagent_detection_seconds_count\{source="poll"\} (\S+)/.exec(text);
      const sum = /dcagent_detection_seconds_sum\{source="poll"\} (\S+)/.exec(text);
      return { count: Number(count?.[1] ?? 0), sum: Number(sum?.[1] ?? 0) };
    };

    it('times a cut from the first poll that saw it to its availability.changed', async () => {
      let now = 1_000_000;
      const t = setup({ tracker: available, clock: () => now });
      t.set(cut);
      for (let i = 1; i < downPolls; i++) {
        await round(t.monitor);
        expect(await samples(await t.text())).toEqual({ count: 0, sum: 0 });
        // The next turn: the device's grid is placed after its first (poll-schedule.ts).
        now = i === 1 ? secondTurnAt('sw1', now, intervalMs) : now + intervalMs;
      }
      await round(t.monitor);
      expect(await t.text()).toMatch(/connection="hc-1"[^}]*state="unavailable"\} 1/);
      // From the first poll that saw it to the poll that crossed the line.
      expect(await samples(await t.text())).toEqual({ count: 1, sum: (now - 1_000_000) / 1000 });
    });

    it('a change published by a trap-led poll is not sampled as poll', async () => {
      let now = 1_000_000;
      const t = setup({ tracker: available, clock: () => now });
      await round(t.monitor);
      t.set(cut);
      for (let i = 0; i < downPolls; i++) {
        now += 1_000;
        await t.monitor.pollNow('sw1');
      }
      expect(await t.text()).toMatch(/connection="hc-1"[^}]*state="unavailable"\} 1/);
      expect(await samples(await t.text())).toEqual({ count: 0, sum: 0 });
    });
  });
});
