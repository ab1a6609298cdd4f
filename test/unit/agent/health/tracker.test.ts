import { describe, expect, it } from 'vitest';
import {
  type FailureReason,
  initialState,
  type PortTrackState,
  portTrackStateSchema,
  type SeedOptions,
  type TrackerConfig,
} from '../../../../agent/health/track-state.js';
import { type Observation, step, type TrackerEvent } from '../../../../agent/health/tracker.js';
import { DEFAULT_THRESHOLDS } from '../../../../config/defaults.js';
import { EVENT_DATA_SCHEMAS } from '../../../../contract/events.js';

const T = DEFAULT_THRESHOLDS['10GBASE-LR'];
const CFG: TrackerConfig = {
  upPolls: 3,
  downPolls: 2,
  damping: { windowSeconds: 600, maxFlaps: 4, holdSeconds: 300 },
};
const INTERVAL = 10_000;

const healthy: Observation = {
  ok: true,
  device: 'sw1',
  port: 'Eth1',
  adminStatus: 'up',
  operStatus: 'up',
  lanes: [{ rxDbm: -3.1, txDbm: -2.2 }],
  rxDbm: [-3.1],
  txDbm: [-2.2],
  opticsRead: true,
};
const dark: Observation = {
  ...healthy,
  operStatus: 'down',
  lanes: [{ rxDbm: null, txDbm: -2.2 }],
  rxDbm: [null],
};
const weak: Observation = { ...healthy, lanes: [{ rxDbm: -20, txDbm: -2.2 }], rxDbm: [-20] };
const adminDown: Observation = { ...healthy, adminStatus: 'down', operStatus: 'down' };
const failed = (reason: FailureReason = 'snmp-timeout'): Observation => ({
  ok: false,
  device: 'sw1',
  port: 'Eth1',
  reason,
});

/** One port's state, stepped as the monitor steps it, on a fake clock that advances one interval per poll. */
function rig(cfg: TrackerConfig = CFG) {
  let now = Date.parse('2025-01-01T00:00:00Z');
  let current: PortTrackState | undefined;
  const tracker = {
    track: (device: string, port: string, seed: SeedOptions = {}) => {
      current = initialState(device, port, seed);
    },
    state: (_device: string, _port: string) => current,
  };
  const all: TrackerEvent[] = [];
  const feed = (obs: Observation, times = 1) => {
    const out: TrackerEvent[] = [];
    for (let i = 0; i < times; i++) {
      now += INTERVAL;
      const r = step(current ?? initialState(obs.device, obs.port), obs, T, now, cfg);
      current = r.state;
      out.push(...r.events);
    }
    all.push(...out);
    return out;
  };
  return { tracker, feed, all, at: () => now, advance: (ms: number) => (now += ms) };
}

/** Every event's data must validate against the contract's schema. */
function assertContract(events: TrackerEvent[]) {
  for (const e of events) EVENT_DATA_SCHEMAS[e.type].parse(e.data);
}

describe('construction', () => {
  it('fires construction.completed once, after upPolls healthy polls in a row, with evidence', () => {
    const { tracker, feed, all } = rig();
    tracker.track('sw1', 'Eth1', { underConstruction: true });
    expect(feed(dark, 5)).toEqual([]);
    expect(feed(healthy, 2)).toEqual([]);
    const firstHealthy = new Date(Date.parse('2025-01-01T00:00:00Z') + 6 * INTERVAL).toISOString();
    expect(feed(healthy)).toEqual([
      {
        type: 'construction.completed',
        data: {
          device: 'sw1',
          port: 'Eth1',
          evidence: {
            adminStatus: 'up',
            operStatus: 'up',
            rxDbm: [-3.1],
            txDbm: [-2.2],
            thresholds: { rx: [-14.4, 0.5], tx: [-8.2, 0.5] },
            samples: 3,
            since: firstHealthy,
          },
        },
      },
    ]);
    expect(feed(healthy, 10)).toEqual([]);
    expect(tracker.state('sw1', 'Eth1')).toMatchObject({ underConstruction: false, reported: 'available' });
    assertContract(all);
  });

  it('an unhealthy or failed poll restarts the count', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { underConstruction: true });
    feed(healthy, 2);
    feed(weak);
    feed(healthy, 2);
    feed(failed());
    expect(feed(healthy, 2)).toEqual([]);
    expect(feed(healthy).map((e) => e.type)).toEqual(['construction.completed']);
  });

  it('no availability events while under construction', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { underConstruction: true });
    expect(feed(dark, 10)).toEqual([]);
  });
});

describe('availability hysteresis', () => {
  it('unavailable after downPolls unhealthy in a row, with the reason; available after upPolls healthy (recovered)', () => {
    const { tracker, feed, all } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    expect(feed(dark)).toEqual([]);
    expect(feed(dark)).toEqual([
      {
        type: 'availability.changed',
        data: {
          device: 'sw1',
          port: 'Eth1',
          to: 'unavailable',
          reason: 'oper-down',
          rxDbm: [null],
          txDbm: [-2.2],
          flapCount: 1,
        },
      },
    ]);
    expect(feed(dark, 5)).toEqual([]);
    expect(feed(healthy, 2)).toEqual([]);
    expect(feed(healthy)).toEqual([
      {
        type: 'availability.changed',
        data: {
          device: 'sw1',
          port: 'Eth1',
          to: 'available',
          reason: 'recovered',
          rxDbm: [-3.1],
          txDbm: [-2.2],
          flapCount: 2,
        },
      },
    ]);
    assertContract(all);
  });

  it('a single bad poll between good ones changes nothing', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    for (let i = 0; i < 10; i++) {
      expect(feed(weak)).toEqual([]);
      expect(feed(healthy)).toEqual([]);
    }
  });

  it('the reason is the most severe of the poll that crossed the line', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    feed(weak);
    const [e] = feed(adminDown);
    expect(e?.data).toMatchObject({ to: 'unavailable', reason: 'admin-down' });
    const r2 = rig();
    r2.tracker.track('sw1', 'Eth1', { availability: 'available' });
    expect(r2.feed(weak, 2)[0]?.data).toMatchObject({ reason: 'rx-low' });
  });

  it('from unknown (no history), the first verdict is reported', () => {
    const a = rig();
    expect(a.feed(healthy, 2)).toEqual([]);
    expect(a.feed(healthy)[0]?.data).toMatchObject({ to: 'available', reason: 'recovered', flapCount: 0 });
    const b = rig();
    expect(b.feed(dark, 2)[0]?.data).toMatchObject({ to: 'unavailable', reason: 'oper-down', flapCount: 0 });
  });

  it('a seeded state is not announced again', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    expect(feed(healthy, 10)).toEqual([]);
  });
});

describe('failed polls', () => {
  it('never make a port unavailable; degraded after downPolls failures, restored after upPolls good polls', () => {
    const { tracker, feed, all, at } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    expect(feed(failed('snmp-timeout'))).toEqual([]);
    const firstFailure = new Date(at()).toISOString();
    expect(feed(failed('snmp-auth'))).toEqual([
      {
        type: 'monitoring.degraded',
        data: { device: 'sw1', port: 'Eth1', reason: 'snmp-auth', since: firstFailure, flapCount: 1 },
      },
    ]);
    expect(feed(failed(), 20)).toEqual([]);
    expect(feed(healthy, CFG.upPolls - 1)).toEqual([]);
    const restored = feed(healthy);
    expect(restored).toEqual([
      {
        type: 'monitoring.restored',
        data: {
          device: 'sw1',
          port: 'Eth1',
          reason: 'recovered',
          since: new Date(at()).toISOString(),
          flapCount: 2,
        },
      },
    ]);
    expect(tracker.state('sw1', 'Eth1')?.reported).toBe('available');
    assertContract(all);
  });

  it('one lucky poll on a lossy link is not a recovery: a failure restarts the count of good polls', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    expect(feed(failed(), 2).map((e) => e.type)).toEqual(['monitoring.degraded']);
    for (let i = 0; i < 10; i++) {
      expect(feed(healthy, CFG.upPolls - 1)).toEqual([]);
      expect(feed(failed())).toEqual([]);
    }
    expect(feed(healthy, CFG.upPolls).map((e) => e.type)).toEqual(['monitoring.restored']);
  });

  it('a device that keeps swinging is damped: no monitoring events until quiet for holdSeconds, then one with flapCount', () => {
    const { tracker, feed, all, advance } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    const swing = () => [...feed(failed(), CFG.downPolls), ...feed(healthy, CFG.upPolls)];
    // maxFlaps 4: two full episodes (4 flips) are told, the fifth flip starts damping.
    expect(swing().map((e) => e.type)).toEqual(['monitoring.degraded', 'monitoring.restored']);
    expect(swing().map((e) => e.type)).toEqual(['monitoring.degraded', 'monitoring.restored']);
    for (let i = 0; i < 50; i++) expect(swing()).toEqual([]);
    // Damping state stays bounded however long it swings.
    expect(tracker.state('sw1', 'Eth1')?.monitoringDamping.flips.length).toBeLessThanOrEqual(
      CFG.damping.maxFlaps + 1,
    );
    // Stuck degraded: said once the hold has passed, counting every flip of the damped episode.
    expect(feed(failed(), CFG.downPolls)).toEqual([]);
    advance(CFG.damping.holdSeconds * 1000);
    const released = feed(failed());
    expect(released.map((e) => e.type)).toEqual(['monitoring.degraded']);
    expect(released[0]?.data).toMatchObject({ flapCount: 105 });
    assertContract(all);
  });

  it('a state saved before restore damping existed loads and carries on', () => {
    const s = initialState('sw1', 'Eth1', { availability: 'available' });
    const { recoverStreak: _r, monitoringDamping: _m, ...old } = s;
    expect(portTrackStateSchema.parse(old)).toEqual(s);
  });

  it('a failure between unhealthy polls breaks the streak, so it cannot tip a port into unavailable', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    for (let i = 0; i < 5; i++) {
      expect(feed(dark)).toEqual([]);
      expect(feed(failed())).toEqual([]);
    }
  });

  it('no-such-port is a failed poll too', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    feed(failed('no-such-port'));
    expect(feed(failed('no-such-port'))[0]).toMatchObject({
      type: 'monitoring.degraded',
      data: { reason: 'no-such-port' },
    });
  });
});

describe('flap damping', () => {
  /** One full flap cycle: down (2 polls) then up (3 polls). */
  const cycle = (feed: ReturnType<typeof rig>['feed']) => [...feed(dark, 2), ...feed(healthy, 3)];

  it('beyond maxFlaps in the window, availability events stop until stable for holdSeconds', () => {
    const { tracker, feed, all, advance } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    // Flips 1-4 are reported (maxFlaps = 4).
    expect(cycle(feed).map((e) => e.data)).toMatchObject([
      { to: 'unavailable', flapCount: 1 },
      { to: 'available', flapCount: 2 },
    ]);
    expect(cycle(feed).map((e) => e.data)).toMatchObject([
      { to: 'unavailable', flapCount: 3 },
      { to: 'available', flapCount: 4 },
    ]);
    // The fifth flip exceeds maxFlaps: damped, nothing reported however long it keeps flapping.
    for (let i = 0; i < 6; i++) expect(cycle(feed)).toEqual([]);
    expect(tracker.state('sw1', 'Eth1')?.damped).toBe(true);
    // It ends unavailable and stays there: after holdSeconds without a flip, reported once.
    feed(dark, 2);
    const quiet = feed(dark, 29);
    expect(quiet).toEqual([]);
    const [release] = feed(dark, 1);
    expect(release?.type).toBe('availability.changed');
    // 17 flips: 4 reported, 12 while damped, and the one it settled on.
    expect(release?.data).toMatchObject({ to: 'unavailable', reason: 'oper-down', flapCount: 17 });
    expect(tracker.state('sw1', 'Eth1')?.damped).toBe(false);
    // Recovery later is reported normally again.
    advance(3_600_000);
    expect(feed(healthy, 3).map((e) => e.data)).toMatchObject([{ to: 'available' }]);
    assertContract(all);
  });

  it('a release that lands where the last report was says nothing', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    for (let i = 0; i < 2; i++) cycle(feed);
    for (let i = 0; i < 3; i++) cycle(feed);
    expect(tracker.state('sw1', 'Eth1')?.damped).toBe(true);
    // Ends available (= last reported): stable for 300 s, released without an event.
    expect(feed(healthy, 40)).toEqual([]);
    expect(tracker.state('sw1', 'Eth1')?.damped).toBe(false);
  });

  it('flips older than the window do not count', () => {
    const { tracker, feed, advance } = rig();
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    for (let i = 0; i < 2; i++) cycle(feed);
    advance(601_000);
    const next = cycle(feed);
    expect(next.map((e) => e.data)).toMatchObject([
      { to: 'unavailable', flapCount: 1 },
      { to: 'available', flapCount: 2 },
    ]);
  });
  it('a long flapping episode keeps the state the same size and still counts every flip', () => {
    // Issue 11 item 6: every flip used to stay in the state for the whole episode, so 20,000
    // alternating polls left ~20,000 timestamps, rewritten to Redis on every poll.
    const fast: TrackerConfig = { ...CFG, upPolls: 1, downPolls: 1 };
    const { tracker, feed } = rig(fast);
    tracker.track('sw1', 'Eth1', { availability: 'available' });
    const size = () => JSON.stringify(tracker.state('sw1', 'Eth1')).length;
    const sizes: number[] = [];
    let flips = 0;
    for (let i = 1; i <= 20_000; i++) {
      feed(i % 2 === 1 ? dark : healthy);
      flips++;
      if (i === 1_000 || i === 20_000) sizes.push(size());
    }
    const s = tracker.state('sw1', 'Eth1')!;
    expect(s.damped).toBe(true);
    expect(s.flaps.length).toBeLessThanOrEqual(fast.damping.maxFlaps + 1);
    // Flat: only the digits of the flip counter may grow.
    expect(sizes[1]! - sizes[0]!).toBeLessThanOrEqual(3);
    // It settles dark; after holdSeconds the release reports the whole episode.
    expect(feed(dark, 30)).toEqual([]);
    flips++;
    const release = feed(dark, 1);
    expect(release.map((e) => e.data)).toMatchObject([{ to: 'unavailable', flapCount: flips }]);
    expect(tracker.state('sw1', 'Eth1')?.dampedFlips).toBe(0);
  });
});

describe('step (the pure form)', () => {
  it('returns a new state and leaves its input untouched', () => {
    const prev = initialState('sw1', 'Eth1', { availability: 'available' });
    const frozen = JSON.stringify(prev);
    const a = step(prev, dark, T, 1_000, CFG);
    const b = step(a.state, dark, T, 2_000, CFG);
    expect(JSON.stringify(prev)).toBe(frozen);
    expect(a.events).toEqual([]);
    expect(b.events.map((e) => e.type)).toEqual(['availability.changed']);
    expect(b.state).not.toBe(a.state);
    expect(a.state.unhealthyStreak).toBe(1);
  });
});

describe('state', () => {
  it('is plain JSON that restores into a state that carries on exactly', () => {
    const a = rig();
    a.tracker.track('sw1', 'Eth1', { availability: 'available' });
    a.feed(dark);
    const restored = portTrackStateSchema.parse(JSON.parse(JSON.stringify(a.tracker.state('sw1', 'Eth1'))));
    const next = step(restored, dark, T, a.at() + INTERVAL, CFG);
    expect(next.events.map((e) => e.type)).toEqual(['availability.changed']);
  });

  it('a corrupt state is refused', () => {
    expect(() => portTrackStateSchema.parse({ v: 1, device: 'x' })).toThrow();
  });

  it('a port tracked again under construction gets a new construction.completed', () => {
    const { tracker, feed } = rig();
    tracker.track('sw1', 'Eth1', { underConstruction: true });
    feed(healthy, 3);
    tracker.track('sw1', 'Eth1', { underConstruction: true });
    expect(feed(healthy, 3).map((e) => e.type)).toEqual(['construction.completed']);
  });
});
