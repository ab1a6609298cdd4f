// The monitor's two loops on fake timers: lease renewal runs on its own timer while a poll hangs
// (issue 11 item 3), and a device's turns that come during its slow poll are skipped and counted
// (issue 20), never queued. The poller, store and leases are small fakes: what is checked is the
// monitor's scheduling, which no real peer can slow down on cue.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionStore } from '../../../agent/connections.js';
import { createMetrics } from '../../../agent/metrics.js';
import { Monitor, type PortPoller } from '../../../agent/monitor.js';
import type { PollLeases } from '../../../agent/poll-leases.js';
import { secondTurnAt } from '../../../agent/poll-schedule.js';
import { silentLogger } from '../../../core/logger.js';
import type { PortPollResult } from '../../../drivers/snmp/poller.js';
import { testConfig } from '../../helpers/device-config.js';

const FP = 'SHA256:Ra3YvU1tUYxT5hZb2cU0qW8bN6m1FV8s1v0gq7JzK9A';
const INTERVAL_MS = 2_000;

const cfg = testConfig(
  {
    monitoring: { intervalSeconds: INTERVAL_MS / 1000 },
    devices: ['slow', 'fast'].map((id) => ({
      id,
      platform: 'ietf-interfaces',
      ports: ['p1'],
      netconf: { username: 'u', passwordEnv: 'PW', hostKey: FP },
      snmp: { version: '2c', communityEnv: 'COMM', timeoutMs: 300, retries: 1, backoff: 1 },
      optics: 'huawei',
    })),
  },
  { PW: 'pw-pw-pw-pw', COMM: 'comm-comm' },
);

describe('monitor scheduling', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews leases while a poll hangs, skips the hung device’s turns, and keeps polling the others on time', async () => {
    const polls: { device: string; at: number }[] = [];
    const releases: (() => void)[] = [];
    const poller: PortPoller = {
      poll: (device, ports = []) => {
        polls.push({ device, at: Date.now() });
        const results: PortPollResult[] = ports.map((port) => ({
          ok: false,
          device,
          port,
          reason: 'snmp-timeout',
          message: 'no answer',
          at: Date.now(),
        }));
        // The slow device answers only when the test lets it: a poll that hangs.
        if (device === 'slow') return new Promise((resolve) => releases.push(() => resolve(results)));
        return Promise.resolve(results);
      },
    };
    const rows = ['slow', 'fast'].map((device) => ({
      record: {
        connectionId: `hc-${device}`,
        device,
        port: 'p1',
        portType: '10GBASE-LR' as const,
        since: '',
      },
      tracker: undefined,
    }));
    const store = {
      version: async () => '1',
      list: async () => rows,
      saveTracker: async () => {},
      trackerWrite: () => ({}),
    } as unknown as ConnectionStore;
    const claims: number[] = [];
    const leases = {
      claim: async (devices: readonly string[]) => {
        claims.push(Date.now());
        return new Set(devices);
      },
      releaseAll: async () => {},
    } as unknown as PollLeases;
    const metrics = createMetrics();
    const monitor = new Monitor({
      cfg,
      poller,
      store,
      leases,
      events: { publish: async () => {}, depth: () => 0 } as never,
      logger: silentLogger,
      metrics,
    });
    const t0 = Date.now();
    // After its first turn at once, each device's grid sits at its own phase (poll-schedule.ts).
    const turn = (device: string, k: number) =>
      k === 0 ? 0 : secondTurnAt(device, t0, INTERVAL_MS) - t0 + (k - 1) * INTERVAL_MS;
    const turnsUpTo = (device: string, end: number) => {
      const out: number[] = [];
      for (let k = 0; turn(device, k) <= end; k++) out.push(turn(device, k));
      return out;
    };
    monitor.start();
    // Four intervals with the slow device's first poll still hanging.
    const hung = 4 * INTERVAL_MS - 1;
    await vi.advanceTimersByTimeAsync(hung);
    const slow = polls.filter((p) => p.device === 'slow');
    const fast = polls.filter((p) => p.device === 'fast');
    expect(slow).toHaveLength(1);
    // The other device kept its fixed rate: every turn of its grid so far.
    expect(fast.map((p) => p.at - t0)).toEqual(turnsUpTo('fast', hung));
    expect(fast.length).toBeGreaterThanOrEqual(4);
    // Leases were renewed every half interval although a poll never finished.
    expect(claims.filter((t) => t > t0).length).toBeGreaterThanOrEqual(5);
    const overruns = (await metrics.registry.getSingleMetricAsString('dcagent_poll_overruns_total'))
      .split('\n')
      .find((l) => l.startsWith('dcagent_poll_overruns_total{device="slow"}'));
    // Every turn after the first that came while it hung was skipped and counted.
    const skipped = turnsUpTo('slow', hung).length - 1;
    expect(skipped).toBeGreaterThanOrEqual(3);
    expect(overruns).toBe(`dcagent_poll_overruns_total{device="slow"} ${skipped}`);
    // Once it answers, the slow device is polled again at its next turn on the same grid.
    for (const r of releases) r();
    const next = turn('slow', skipped + 1);
    await vi.advanceTimersByTimeAsync(next - hung);
    expect(polls.filter((p) => p.device === 'slow').map((p) => p.at - t0)).toEqual([0, next]);
    // stop() waits for polls in flight: let the second one answer too.
    for (const r of releases) r();
    const stopped = monitor.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stopped;
  });
});
