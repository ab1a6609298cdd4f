import { describe, expect, it } from 'vitest';
import {
  counter32Delta,
  errorCountedPorts,
  MAX_DELTAS,
  noteErrors,
  type QualificationState,
  qualificationStateSchema,
  qualified,
} from '../../../../agent/health/qualification.js';

const N = 3;
function run(samples: readonly (number | null | 'reset')[], start?: QualificationState): QualificationState {
  let q = start;
  for (const s of samples) {
    // A restarted device's counter starts again from zero, and the poller says it restarted.
    q =
      s === 'reset'
        ? noteErrors(q, { inErrors: 0, countersReset: true }, N)
        : noteErrors(q, { inErrors: s }, N);
  }
  return q!;
}

describe('counter32Delta', () => {
  it('counts growth, one wrap, and calls a restart unknown', () => {
    expect(counter32Delta(10, 15)).toBe(5);
    expect(counter32Delta(2 ** 32 - 3, 4)).toBe(7);
    expect(counter32Delta(1_000_000, 12)).toBeNull();
    expect(counter32Delta(7, 7)).toBe(0);
  });
});

describe('noteErrors', () => {
  it('needs N quiet polls after the first reading (the base)', () => {
    expect(qualified(run([100]), N)).toBe(false);
    expect(qualified(run([100, 100, 100]), N)).toBe(false);
    expect(qualified(run([100, 100, 100, 100]), N)).toBe(true);
  });

  it('a burst starts the run again and is kept as evidence', () => {
    const q = run([100, 100, 100, 160, 160, 170, 170, 170]);
    expect(q.errorFreeStreak).toBe(2);
    expect(qualified(q, N)).toBe(false);
    expect(q).toMatchObject({ errors: 70, erroredPolls: 2, deltas: [60, 10] });
    expect(qualified(noteErrors(q, { inErrors: 170 }, N), N)).toBe(true);
  });

  it('a wrap with no growth beyond it counts the wrapped errors only', () => {
    const q = run([2 ** 32 - 2, 1, 1, 1, 1]);
    expect(q).toMatchObject({ errors: 3, erroredPolls: 1, errorFreeStreak: 3, discontinuities: 0 });
  });

  it('a reboot (sysUpTime back) or a cleared counter is a discontinuity, not a burst', () => {
    const rebooted = run([500, 500, 'reset', 0, 0, 0]);
    expect(rebooted).toMatchObject({ errors: 0, discontinuities: 1, errorFreeStreak: 3 });
    const cleared = run([900_000, 900_000, 3, 3]);
    expect(cleared).toMatchObject({ errors: 0, discontinuities: 1, errorFreeStreak: 1 });
  });

  it('an unread counter breaks the run', () => {
    const q = run([5, 5, 5, null, 5, 5]);
    expect(q.errorFreeStreak).toBe(1);
  });

  it('stops changing once qualified on a quiet counter (a steady port writes nothing)', () => {
    const q = run([1, 1, 1, 1]);
    expect(noteErrors(q, { inErrors: 1 }, N)).toBe(q);
  });

  it('stays bounded and valid however many bursts', () => {
    let q: QualificationState | undefined;
    for (let i = 0; i < 1000; i++) q = noteErrors(q, { inErrors: i * 3 }, N);
    expect(q!.deltas).toHaveLength(MAX_DELTAS);
    expect(qualificationStateSchema.parse(q)).toEqual(q);
  });

  it('is off at 0', () => {
    expect(qualified(undefined, 0)).toBe(true);
  });
});

describe('errorCountedPorts', () => {
  const conns = [
    { port: 'Eth1', underConstruction: true },
    { port: 'Eth2', underConstruction: false },
    { port: 'Eth1', underConstruction: true },
  ];
  it('asks for the counters of ports under construction only, and only with qualification on', () => {
    expect(errorCountedPorts(conns, 3)).toEqual(['Eth1']);
    expect(errorCountedPorts(conns, 0)).toBeUndefined();
    expect(errorCountedPorts([{ port: 'Eth2', underConstruction: false }], 3)).toBeUndefined();
  });
});
