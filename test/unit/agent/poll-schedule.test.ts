import { describe, expect, it } from 'vitest';
import { PollSchedule } from '../../../agent/poll-schedule.js';

const I = 2_000;
const T0 = 1_700_000_000_000;

interface Run {
  starts: number[];
  ends: number[];
  overruns: number;
}

/**
 * Drives the schedule with a fake clock the way the monitor does: wake at the next turn, start
 * what is due, and end each poll after its duration (a pseudo-random pick per poll from
 * `durations`, seeded so a failure replays).
 */
function simulate(durations: readonly number[], turns: number, seed = 7): Map<string, Run> {
  const s = new PollSchedule(I);
  const devices = ['a', 'b', 'c'];
  const runs = new Map(devices.map((d) => [d, { starts: [], ends: [], overruns: 0 } as Run]));
  const pending: { at: number; device: string }[] = [];
  let rnd = seed;
  const pick = () => {
    rnd = (rnd * 1_103_515_245 + 12_345) % 2_147_483_648;
    return durations[rnd % durations.length]!;
  };
  let now = T0;
  const end = T0 + turns * I;
  while (now <= end) {
    // Polls that ended by now end first; a poll ending exactly on a turn frees that turn.
    pending.sort((x, y) => x.at - y.at);
    while (pending.length > 0 && pending[0]!.at <= now) {
      const p = pending.shift()!;
      s.done(p.device);
      runs.get(p.device)!.ends.push(p.at);
    }
    const { start, overruns } = s.take(devices, now);
    for (const [d, n] of overruns) runs.get(d)!.overruns += n;
    for (const d of start) {
      runs.get(d)!.starts.push(now);
      pending.push({ at: now + pick(), device: d });
    }
    const next = Math.min(s.nextTurn() ?? Number.POSITIVE_INFINITY, ...pending.map((p) => p.at));
    expect(next).toBeGreaterThan(now);
    now = next;
  }
  return runs;
}

describe('PollSchedule: fixed rate, skip on overrun', () => {
  it('polls that fit the interval keep the exact period, with no skips', () => {
    for (const [d, run] of simulate([0.1 * I, 0.5 * I, 0.99 * I], 100)) {
      expect(run.overruns, d).toBe(0);
      expect(run.starts).toHaveLength(101);
      expect(run.starts).toEqual(run.starts.map((_, k) => T0 + k * I));
    }
  });

  it('polls of 0.1 to 3 intervals: every start on the grid, never two at once, skipped turns counted', () => {
    const runs = simulate([0.1 * I, 0.9 * I, 1.5 * I, 2.2 * I, 3 * I], 300);
    for (const [d, run] of runs) {
      // Every start sits on the grid of the first one: nothing drifts.
      for (const t of run.starts) expect((t - T0) % I, d).toBe(0);
      // A poll starts only after the previous one ended, on the first turn at or after its end.
      for (let k = 1; k < run.starts.length; k++) {
        const prevEnd = run.ends[k - 1]!;
        expect(run.starts[k]!).toBeGreaterThanOrEqual(prevEnd);
        expect(run.starts[k]! - prevEnd).toBeLessThan(I);
      }
      // Each turn either polled or was counted as an overrun.
      expect(run.starts.length + run.overruns).toBe(301);
      expect(run.overruns).toBeGreaterThan(0);
    }
  });

  it('a poll of exactly 3 intervals skips the two turns inside it and polls at its end', () => {
    const [, run] = [...simulate([3 * I], 30)][0]!;
    expect(run.starts.slice(0, 4)).toEqual([T0, T0 + 3 * I, T0 + 6 * I, T0 + 9 * I]);
    expect(run.overruns).toBe(20);
  });

  it('a late wake-up skips the turns it missed instead of catching up with a burst', () => {
    const s = new PollSchedule(I);
    expect(s.take(['a'], T0).start).toEqual(['a']);
    s.done('a');
    const late = s.take(['a'], T0 + 3.5 * I);
    expect(late.start).toEqual(['a']);
    expect(late.overruns.get('a')).toBe(2);
    s.done('a');
    expect(s.take(['a'], T0 + 3.9 * I).start).toEqual([]);
    expect(s.nextTurn()).toBe(T0 + 4 * I);
  });

  it('a device no longer wanted is forgotten once idle and starts a fresh grid when it returns', () => {
    const s = new PollSchedule(I);
    s.take(['a'], T0);
    s.done('a');
    s.take([], T0 + I);
    const back = s.take(['a'], T0 + 10.5 * I);
    expect(back.start).toEqual(['a']);
    expect(back.overruns.size).toBe(0);
    expect(s.nextTurn()).toBe(T0 + 11.5 * I);
  });
});
