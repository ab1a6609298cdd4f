import { describe, expect, it } from 'vitest';
import { initialState, type TrackerConfig } from '../../../../agent/health/track-state.js';
import { type Observation, step } from '../../../../agent/health/tracker.js';
import { stepWarnings, type WarningEntry } from '../../../../agent/health/warning-episodes.js';
import { EVENT_DATA_SCHEMAS } from '../../../../contract/events.js';
import type { LaneThresholds } from '../../../../contract/optics.js';

const BOUNDS: LaneThresholds = {
  rx: { lowAlarm: -16, lowWarning: -13, highWarning: 0, highAlarm: 2 },
  tx: { lowAlarm: -9, lowWarning: -7, highWarning: 0, highAlarm: 1 },
};
const ALARM = { rx: [-16, 2] as const, tx: [-9, 1] as const };
const CFG: TrackerConfig = {
  upPolls: 3,
  downPolls: 2,
  damping: { windowSeconds: 600, maxFlaps: 4, holdSeconds: 300 },
  warnings: { hysteresisDb: 0.5 },
};
const WHERE = { device: 'sw1', port: 'Eth1' };
const W = { upPolls: 3, downPolls: 2, hysteresisDb: 0.5 };

const obs = (
  rx: (number | null)[],
  extra: Partial<Extract<Observation, { ok: true }>> = {},
): Observation => ({
  ok: true,
  device: 'sw1',
  port: 'Eth1',
  adminStatus: 'up',
  operStatus: 'up',
  lanes: rx.map((r) => ({ rxDbm: r, txDbm: -2 })),
  rxDbm: rx,
  txDbm: rx.map(() => -2),
  opticsRead: true,
  ...extra,
});

/** Feeds Rx readings for lane 1 through stepWarnings and returns how many episodes opened. */
function run(readings: number[]): { opened: number; entries: readonly WarningEntry[] | undefined } {
  let entries: readonly WarningEntry[] | undefined;
  let opened = 0;
  for (const rx of readings) {
    const r = stepWarnings(entries, [{ rxDbm: rx, txDbm: -2 }], BOUNDS, WHERE, W);
    entries = r.entries;
    opened += r.opened.length;
  }
  return { opened, entries };
}

describe('warning episodes (issue 15 §2)', () => {
  it('one reading in the band is not an episode; downPolls in a row are, once', () => {
    expect(run([-5, -13.5, -5, -13.5, -5]).opened).toBe(0);
    expect(run([-13.5, -13.6, -13.7, -13.8, -13.9, -14]).opened).toBe(1);
  });

  it('a lane hovering on the bound (±0.2 dB) stays one episode', () => {
    const hover = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? -13.2 : -12.8));
    expect(run([-13.5, -13.5, ...hover]).opened).toBe(1);
  });

  it('closes only after upPolls readings back by the hysteresis; a new episode is reported again', () => {
    // Back by 0.4 dB three times: still the same episode.
    expect(run([-13.5, -13.5, -12.6, -12.6, -12.6, -13.5, -13.5]).opened).toBe(1);
    // Back by 1 dB three times: closed, then a second episode.
    const r = run([-13.5, -13.5, -12, -12, -12, -13.5, -13.5]);
    expect(r.opened).toBe(2);
  });

  it('an alarm is availability’s business: straight into alarm opens nothing, and the way back through the band does not repeat', () => {
    expect(run([-20, -20, -20]).opened).toBe(0);
    expect(run([-13.5, -13.5, -20, -20, -13.5, -13.5]).opened).toBe(1);
  });

  it('a steady lane leaves the state untouched (the same array, no write)', () => {
    const first = stepWarnings(undefined, [{ rxDbm: -5, txDbm: -2 }], BOUNDS, WHERE, W);
    expect(first.entries).toBeUndefined();
    const open = run([-13.5, -13.5]).entries;
    expect(stepWarnings(open, [{ rxDbm: -13.4, txDbm: -2 }], BOUNDS, WHERE, W).entries).toBe(open);
  });

  it('the tracker publishes a schema-valid optics.degrading per lane, never while admin down or under construction', () => {
    let s = initialState('sw1', 'Eth1', { availability: 'available' });
    const events: string[] = [];
    const feed = (o: Observation) => {
      const r = step(s, o, ALARM, 0, CFG, BOUNDS);
      s = r.state;
      for (const e of r.events) {
        events.push(e.type);
        if (e.type === 'optics.degrading') {
          expect(EVENT_DATA_SCHEMAS['optics.degrading'].safeParse(e.data).success).toBe(true);
          expect(e.data).toMatchObject({ lane: 2, direction: 'rx', cause: 'warning-threshold', dbm: -14 });
        }
      }
    };
    for (let i = 0; i < 3; i++) feed(obs([-3, -14], { adminStatus: 'down', operStatus: 'down' }));
    expect(events).toEqual(['availability.changed']);
    for (let i = 0; i < 5; i++) feed(obs([-3, -14]));
    expect(events.filter((t) => t === 'optics.degrading')).toHaveLength(1);
    // The port stayed healthy: a warning is not an outage.
    expect(s.reported).toBe('available');

    let c = initialState('sw1', 'Eth1', { underConstruction: true });
    const r = step(c, obs([-14]), ALARM, 0, CFG, BOUNDS);
    c = r.state;
    expect(step(c, obs([-14]), ALARM, 1, CFG, BOUNDS).events.map((e) => e.type)).not.toContain(
      'optics.degrading',
    );
  });
});
