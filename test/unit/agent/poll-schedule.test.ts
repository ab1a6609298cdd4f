import { describe, expect, it } from 'vitest';
import { gridPhaseMs, PHASE_STEP_MS, PollSchedule, secondTurnAt } from '../../../agent/poll-schedule.js';

const I = 2_000;
const T0 = 1_700_000_000_000;
/** The k-th turn (0 = the first, at once) of `device` first taken at T0. */
const turn = (device: string, k: number) => (k === 0 ? T0 : secondTurnAt(device, T0, I) + (k - 1) * I);

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
      // Turns up to the end of the run: 101, or 100 when the phase puts the last past it.
      expect(run.starts).toHaveLength(turn(d, 100) <= T0 + 100 * I ? 101 : 100);
      expect(run.starts).toEqual(run.starts.map((_, k) => turn(d, k)));
    }
  });

  it('spreads devices over the interval: first turn at once, then each on its own phase, about an interval later', () => {
    const devices = Array.from({ length: 500 }, (_, i) => `sw-${String(i).padStart(3, '0')}`);
    const s = new PollSchedule(I);
    expect(s.take(devices, T0).start).toHaveLength(500);
    for (const d of devices) s.done(d);
    const phases = new Map<number, number>();
    for (const d of devices) {
      const p = gridPhaseMs(d, I);
      expect(p % PHASE_STEP_MS).toBe(0);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(I);
      phases.set(p, (phases.get(p) ?? 0) + 1);
    }
    // Every step of the interval is used, none by more than twice its share.
    expect(phases.size).toBe(I / PHASE_STEP_MS);
    for (const n of phases.values()) expect(n).toBeLessThan((2 * 500) / (I / PHASE_STEP_MS));
    // Each step's devices come due together, at their phase, and no sooner; the first gap is
    // between half an interval and one and a half.
    for (const d of devices) {
      expect(turn(d, 1) - T0).toBeGreaterThanOrEqual(I / 2);
      expect(turn(d, 1) - T0).toBeLessThan(1.5 * I);
      expect((turn(d, 1) - T0) % PHASE_STEP_MS).toBe(0);
    }
    let started = 0;
    for (let t = T0 + I / 2; t < T0 + 1.5 * I; t += PHASE_STEP_MS) {
      const due = s.take(devices, t).start;
      expect(due.every((d) => turn(d, 1) === t)).toBe(true);
      started += due.length;
      for (const d of due) s.done(d);
    }
    expect(started).toBe(500);
  });

  it('polls of 0.1 to 3 intervals: every start on the grid, never two at once, skipped turns counted', () => {
    const runs = simulate([0.1 * I, 0.9 * I, 1.5 * I, 2.2 * I, 3 * I], 300);
    for (const [d, run] of runs) {
      // Every start after the first sits on the device's grid: nothing drifts.
      for (const t of run.starts.slice(1)) expect((t - turn(d, 1)) % I, d).toBe(0);
      // A poll starts only after the previous one ended, on the first turn at or after its end.
      // (The second start may come up to 1.5 intervals after the first: the grid is placed then.)
      for (let k = 1; k < run.starts.length; k++) {
        const prevEnd = run.ends[k - 1]!;
        expect(run.starts[k]!).toBeGreaterThanOrEqual(prevEnd);
        expect(run.starts[k]! - prevEnd).toBeLessThan(k === 1 ? 1.5 * I : I);
      }
      // Each turn either polled or was counted as an overrun (the grid has 300 turns in the run
      // after the first, or 299 when the device's phase puts its last one past the end).
      expect(run.starts.length + run.overruns).toBe(turn(d, 300) <= T0 + 300 * I ? 301 : 300);
      expect(run.overruns).toBeGreaterThan(0);
    }
  });

  it('a poll of exactly 3 intervals skips the two turns inside it and polls at its end', () => {
    const [d, run] = [...simulate([3 * I], 30)][0]!;
    // Each poll ends 3I after it started; the next start is the first turn at or after that end.
    const expected = [T0];
    for (let k = 1; expected.length < 4; k++)
      if (turn(d, k) >= expected.at(-1)! + 3 * I) expected.push(turn(d, k));
    expect(run.starts.slice(0, 4)).toEqual(expected);
    expect(run.overruns).toBeGreaterThanOrEqual(19);
  });

  it('a late wake-up skips the turns it missed instead of catching up with a burst', () => {
    const s = new PollSchedule(I);
    expect(s.take(['a'], T0).start).toEqual(['a']);
    s.done('a');
    // Turns 1, 2 and 3 have come by 3.5 turns on: one polls now, two are skipped.
    const late = s.take(['a'], turn('a', 3) + 0.5 * I);
    expect(late.start).toEqual(['a']);
    expect(late.overruns.get('a')).toBe(2);
    s.done('a');
    expect(s.take(['a'], turn('a', 3) + 0.9 * I).start).toEqual([]);
    expect(s.nextTurn()).toBe(turn('a', 4));
  });

  it('a device no longer wanted is forgotten once idle and starts a fresh grid when it returns', () => {
    const s = new PollSchedule(I);
    s.take(['a'], T0);
    s.done('a');
    s.take([], T0 + I);
    const back = s.take(['a'], T0 + 10.5 * I);
    expect(back.start).toEqual(['a']);
    expect(back.overruns.size).toBe(0);
    // A fresh grid, placed from this first turn at the device's phase.
    const next = s.nextTurn()!;
    expect(next).toBe(secondTurnAt('a', T0 + 10.5 * I, I));
    expect(next - (T0 + 10.5 * I)).toBeGreaterThanOrEqual(I / 2);
    expect(next - (T0 + 10.5 * I)).toBeLessThan(1.5 * I);
    expect((next - T0) % I).toBe(gridPhaseMs('a', I));
  });
  it('the same array again: a device dropped while its poll ran is forgotten once it ended', () => {
    const s = new PollSchedule(I);
    expect(s.take(['a', 'b'], T0).start).toEqual(['a', 'b']);
    s.done('a');
    const onlyA = ['a'];
    // b's poll still runs: its slot stays for now.
    s.take(onlyA, T0 + 0.1 * I);
    expect(s.busy('b')).toBe(true);
    s.done('b');
    // Asked with the very same array, b is forgotten now that it is idle: back later, it starts
    // a fresh grid at once rather than waiting for its old one.
    s.take(onlyA, T0 + 0.2 * I);
    const back = s.take(['a', 'b'], T0 + 0.3 * I);
    expect(back.start).toEqual(['b']);
    expect(back.overruns.size).toBe(0);
  });
});
