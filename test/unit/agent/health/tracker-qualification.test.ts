import { describe, expect, it } from 'vitest';
import {
  initialState,
  type PortTrackState,
  portTrackStateSchema,
  type TrackerConfig,
} from '../../../../agent/health/track-state.js';
import { type Observation, step, type TrackerEvent } from '../../../../agent/health/tracker.js';
import { DEFAULT_THRESHOLDS } from '../../../../config/defaults.js';
import { EVENT_DATA_SCHEMAS } from '../../../../contract/events.js';

const T = DEFAULT_THRESHOLDS['10GBASE-LR'];
const BASE: TrackerConfig = {
  upPolls: 3,
  downPolls: 2,
  damping: { windowSeconds: 600, maxFlaps: 4, holdSeconds: 300 },
};
const N = 5;
const CFG: TrackerConfig = { ...BASE, qualification: { errorFreePolls: N } };

const healthy = (inErrors: number | null, countersReset = false): Observation => ({
  ok: true,
  device: 'sw1',
  port: 'Eth1',
  adminStatus: 'up',
  operStatus: 'up',
  lanes: [{ rxDbm: -3.1, txDbm: -2.2 }],
  rxDbm: [-3.1],
  txDbm: [-2.2],
  opticsRead: true,
  inErrors,
  ...(countersReset ? { countersReset } : {}),
});

/** Feeds the counter values one poll each; returns the poll number (1-based) that completed construction. */
function completesAt(counts: readonly (number | null)[], cfg = CFG) {
  let s: PortTrackState = initialState('sw1', 'Eth1', { underConstruction: true });
  let now = Date.parse('2025-01-01T00:00:00Z');
  const events: TrackerEvent[] = [];
  let at: number | undefined;
  counts.forEach((c, i) => {
    now += 10_000;
    const r = step(s, healthy(c), T, now, cfg);
    s = portTrackStateSchema.parse(r.state); // it must survive a save and load at every step
    for (const e of r.events) EVENT_DATA_SCHEMAS[e.type].parse(e.data);
    if (r.events.some((e) => e.type === 'construction.completed')) at ??= i + 1;
    events.push(...r.events);
  });
  return { at, events, state: s };
}

describe('qualification before construction.completed', () => {
  it('off (0): completes after upPolls healthy polls, with no error evidence', () => {
    const { at, events } = completesAt([0, 0, 0, 0], BASE);
    expect(at).toBe(3);
    const done = events.find((e) => e.type === 'construction.completed');
    expect(done?.type === 'construction.completed' && done.data.evidence.errors).toBeUndefined();
  });

  it('on: needs N error-free polls after the first reading', () => {
    expect(completesAt(Array(10).fill(7)).at).toBe(N + 1);
  });

  it('an error burst delays completion by the configured polls, and the evidence carries the deltas', () => {
    // Clean base, then errors grow on polls 3 and 4, then the counter stays put.
    const counts = [10, 10, 40, 90, ...Array(10).fill(90)];
    const { at, events, state } = completesAt(counts);
    expect(at).toBe(4 + N);
    const done = events.find((e) => e.type === 'construction.completed');
    if (done?.type !== 'construction.completed') throw new Error('no construction.completed');
    expect(done.data.evidence.errors).toEqual({
      counter: 'ifInErrors',
      errorFreePolls: N,
      errors: 80,
      erroredPolls: 2,
      discontinuities: 0,
      deltas: [30, 50],
    });
    expect(events.filter((e) => e.type === 'construction.completed')).toHaveLength(1);
    expect(state.qualification).toBeUndefined();
  });

  it('an unanswered counter breaks the run', () => {
    expect(completesAt([1, 1, 1, null, 1, 1, 1, 1, 1, 1, 1]).at).toBe(4 + 1 + N);
  });

  it('a device restart during construction is not a burst', () => {
    let s: PortTrackState = initialState('sw1', 'Eth1', { underConstruction: true });
    const seq: Observation[] = [healthy(5000), healthy(5000), healthy(0, true), ...Array(N).fill(healthy(0))];
    let done: TrackerEvent | undefined;
    seq.forEach((o, i) => {
      const r = step(s, o, T, 1_000_000 + i * 10_000, CFG);
      s = r.state;
      done ??= r.events.find((e) => e.type === 'construction.completed');
    });
    expect(done?.type === 'construction.completed' && done.data.evidence.errors).toMatchObject({
      errors: 0,
      discontinuities: 1,
    });
  });

  it('a qualified port that stays quiet writes nothing more (same state object)', () => {
    const { state } = completesAt(Array(10).fill(3));
    expect(step(state, healthy(3), T, Date.parse('2025-01-02T00:00:00Z'), CFG).state).toBe(state);
  });
});
