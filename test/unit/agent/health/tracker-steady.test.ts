import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  initialState,
  type PortTrackState,
  type TrackerConfig,
} from '../../../../agent/health/track-state.js';
import { type Observation, step, stepFull } from '../../../../agent/health/tracker.js';
import { DEFAULT_THRESHOLDS } from '../../../../config/defaults.js';
import type { LaneThresholds } from '../../../../contract/optics.js';

// `step` skips the copy of a settled port's state; `stepFull` is the tracker itself. Whatever the
// history, both must give the same state and the same events for every poll.

const T = DEFAULT_THRESHOLDS['10GBASE-LR'];
/** The same alarm bounds with warning bands, so the shortcut is held to the warning episodes too. */
const BOUNDS: LaneThresholds = {
  rx: { lowAlarm: -14.4, lowWarning: -12.4, highWarning: -1, highAlarm: 0.5 },
  tx: { lowAlarm: -8.2, lowWarning: -6.2, highWarning: 0, highAlarm: 0.5 },
};
const base = { ok: true as const, device: 'sw1', port: 'Eth1', opticsRead: true };
const reading = (
  adminStatus: 'up' | 'down',
  operStatus: 'up' | 'down',
  rx: number | null,
  tx: number | null,
): Observation => ({
  ...base,
  adminStatus,
  operStatus,
  lanes: [{ rxDbm: rx, txDbm: tx }],
  rxDbm: [rx],
  txDbm: [tx],
});
const OBSERVATIONS: Observation[] = [
  reading('up', 'up', -3.1, -2.2),
  reading('up', 'up', -3.1, -2.2),
  reading('up', 'up', -3.4, -2.1),
  reading('up', 'down', null, -2.2),
  reading('up', 'up', -20, -2.2),
  reading('up', 'up', -3, 3),
  reading('down', 'down', -3.1, -2.2),
  // In the warning bands of BOUNDS (Rx low, then Tx high): warning episodes open and close.
  reading('up', 'up', -13, -2.2),
  reading('up', 'up', -3.1, 0.4),
  { ok: false, device: 'sw1', port: 'Eth1', reason: 'snmp-timeout' },
  { ok: false, device: 'sw1', port: 'Eth1', reason: 'no-such-port' },
];

const cfgArb = fc.record({
  upPolls: fc.integer({ min: 1, max: 4 }),
  downPolls: fc.integer({ min: 1, max: 3 }),
  damping: fc.record({
    windowSeconds: fc.integer({ min: 10, max: 600 }),
    maxFlaps: fc.integer({ min: 1, max: 4 }),
    holdSeconds: fc.integer({ min: 5, max: 300 }),
  }),
}) as fc.Arbitrary<TrackerConfig>;

const historyArb = fc.array(
  fc.record({
    obs: fc.constantFrom(...OBSERVATIONS),
    // Mostly runs of one reading (ports settle), sometimes a change; clock steps of 1–120 s.
    repeat: fc.integer({ min: 1, max: 8 }),
    gapMs: fc.integer({ min: 1_000, max: 120_000 }),
  }),
  { minLength: 1, maxLength: 30 },
);

describe('step on a settled port', () => {
  it('gives what the full step gives, on any history of polls', () => {
    let shortcuts = 0;
    fc.assert(
      fc.property(
        cfgArb,
        historyArb,
        fc.boolean(),
        fc.constantFrom('unknown', 'available', 'unavailable'),
        fc.boolean(),
        (cfg, history, underConstruction, availability, withBounds) => {
          const bounds = withBounds ? BOUNDS : undefined;
          let fast: PortTrackState = initialState('sw1', 'Eth1', {
            underConstruction,
            availability: availability as 'unknown' | 'available' | 'unavailable',
          });
          let full = fast;
          let now = Date.parse('2025-01-01T00:00:00Z');
          for (const { obs, repeat, gapMs } of history) {
            for (let i = 0; i < repeat; i++) {
              now += gapMs;
              const a = step(fast, obs, T, now, cfg, bounds);
              const b = stepFull(full, obs, T, now, cfg, undefined, bounds);
              expect(a.events).toEqual(b.events);
              expect(a.state).toEqual(b.state);
              // The same object back exactly when nothing changed, as the monitor's write test relies on.
              expect(a.state === fast).toBe(b.state === full);
              if (a.state === fast) shortcuts++;
              fast = a.state;
              full = b.state;
            }
          }
        },
      ),
      { numRuns: 2_000 },
    );
    // The histories do reach settled ports, so the comparison covered the shortcut.
    expect(shortcuts).toBeGreaterThan(1_000);
  });

  it('takes the shortcut for a port that stays healthy, and returns the very same state', () => {
    const cfg: TrackerConfig = {
      upPolls: 3,
      downPolls: 2,
      damping: { windowSeconds: 600, maxFlaps: 4, holdSeconds: 300 },
    };
    let s = initialState('sw1', 'Eth1', { underConstruction: true });
    for (let i = 1; i <= 5; i++) s = step(s, OBSERVATIONS[0]!, T, i * 10_000, cfg).state;
    const settled = s;
    const r = step(settled, OBSERVATIONS[0]!, T, 60_000, cfg);
    expect(r.state).toBe(settled);
    expect(r.events).toEqual([]);
    // A change still goes through: oper down is counted.
    const down = step(settled, OBSERVATIONS[3]!, T, 70_000, cfg);
    expect(down.state).not.toBe(settled);
    expect(down.state.unhealthyStreak).toBe(1);
  });
});
