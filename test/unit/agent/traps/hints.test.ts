import { describe, expect, it } from 'vitest';
import { initialState, type PortTrackState } from '../../../../agent/health/track-state.js';
import { changePending, TrapHints } from '../../../../agent/traps/hints.js';

const settled = (): PortTrackState => ({ ...initialState('d', 'p'), actual: 'available', healthyStreak: 5 });
const counting = (): PortTrackState => ({ ...settled(), healthyStreak: 0, unhealthyStreak: 1 });

describe('changePending', () => {
  it('is true only while a streak counts towards a change', () => {
    expect(changePending(settled())).toBe(false);
    expect(changePending(counting())).toBe(true);
    expect(changePending({ ...counting(), actual: 'unavailable' })).toBe(false);
  });
});

describe('TrapHints', () => {
  it('polls, confirms while a change is pending, and reports the detection once', async () => {
    let polls = 0;
    let now = 1_000;
    const detected: number[] = [];
    const hints = new TrapHints({
      // Poll 1 starts a down streak, poll 2 crosses downPolls (an event), poll 3 finds it settled.
      pollNow: async () => {
        polls++;
        now += 100;
        return { states: [polls < 3 ? counting() : settled()], changed: polls === 2 ? 1 : 0 };
      },
      holds: () => true,
      confirmMs: 1,
      ratePerDevice: 10,
      maxConfirms: 5,
      onDetected: (s) => detected.push(s),
      clock: () => now,
    });
    expect(hints.offer('d', 1_000)).toBe('polled');
    while (hints.active > 0) await new Promise((r) => setTimeout(r, 2));
    expect(polls).toBe(3);
    expect(detected).toEqual([0.2]);
  });

  it('stops confirming after maxConfirms when the tracker never settles', async () => {
    let polls = 0;
    const hints = new TrapHints({
      pollNow: async () => {
        polls++;
        return { states: [counting()], changed: 0 };
      },
      holds: () => true,
      confirmMs: 1,
      ratePerDevice: 10,
      maxConfirms: 2,
    });
    hints.offer('d', 0);
    while (hints.active > 0) await new Promise((r) => setTimeout(r, 2));
    expect(polls).toBe(3);
  });

  it('coalesces a storm into one loop per device and rate-limits it', async () => {
    let polls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const hints = new TrapHints({
      pollNow: async () => {
        polls++;
        await gate;
        return { states: [settled()], changed: 0 };
      },
      holds: () => true,
      confirmMs: 1,
      ratePerDevice: 5,
      maxConfirms: 2,
      clock: () => 0,
    });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const o = hints.offer('d', 0);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    expect(outcomes.get('polled')).toBe(1);
    expect(outcomes.get('coalesced')).toBe(4);
    expect(outcomes.get('rate-limited')).toBe(9_995);
    expect(hints.active).toBe(1);
    release();
    while (hints.active > 0) await new Promise((r) => setTimeout(r, 2));
    // The hints that came meanwhile cost one more poll, not four.
    expect(polls).toBe(2);
  });

  it('forwards a hint for a device held elsewhere, and never forwards a forwarded one', () => {
    const sent: string[] = [];
    const hints = new TrapHints({
      pollNow: async () => undefined,
      holds: () => false,
      forward: (d) => sent.push(d),
      confirmMs: 1,
      ratePerDevice: 5,
      maxConfirms: 2,
    });
    expect(hints.offer('d', 0)).toBe('forwarded');
    expect(hints.forwarded('d', 0)).toBe('not-held');
    expect(sent).toEqual(['d']);
  });
});
