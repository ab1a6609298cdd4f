import { describe, expect, it } from 'vitest';
import { InternTable, internLaneThresholds } from '../../../core/intern.js';

const bounds = (lowAlarm: number | null, highAlarm: number | null) => ({
  lowAlarm,
  lowWarning: null,
  highWarning: null,
  highAlarm,
});

describe('InternTable: equal values as one frozen object', () => {
  it('the same key gives the first object made, frozen; another key another object', () => {
    const t = new InternTable<{ v: number }>(8);
    let made = 0;
    const a = t.get('1', () => ({ v: ++made }));
    const again = t.get('1', () => ({ v: ++made }));
    const other = t.get('2', () => ({ v: ++made }));
    expect(again).toBe(a);
    expect(made).toBe(2);
    expect(other).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as { v: number }).v = 9;
    }).toThrow(TypeError);
  });

  it('a full table starts over instead of growing (a device reporting ever new values)', () => {
    const t = new InternTable<{ k: number }>(4);
    const first = t.get('k0', () => ({ k: 0 }));
    for (let i = 1; i < 100; i++) t.get(`k${i}`, () => ({ k: i }));
    expect(t.size).toBeLessThanOrEqual(4);
    // Gone from the table: a new object, equal in value.
    const later = t.get('k0', () => ({ k: 0 }));
    expect(later).not.toBe(first);
    expect(later).toEqual(first);
  });
});

describe('internLaneThresholds', () => {
  it('equal bounds from different objects are one object, nulls and numbers kept apart', () => {
    const a = internLaneThresholds(bounds(-14.4, 0.5), bounds(-8.2, 0.5));
    const b = internLaneThresholds(bounds(-14.4, 0.5), bounds(-8.2, 0.5));
    expect(b).toBe(a);
    expect(a).toEqual({ rx: bounds(-14.4, 0.5), tx: bounds(-8.2, 0.5) });
    expect(internLaneThresholds(bounds(-14.4, null), bounds(-8.2, 0.5))).not.toBe(a);
    expect(internLaneThresholds(bounds(-14.4, 0.5), bounds(-8.2, 0.6))).not.toBe(a);
    // Rx and Tx that are the same numbers share their Bounds as well.
    const same = internLaneThresholds(bounds(-5, 1), bounds(-5, 1));
    expect(same.rx).toBe(same.tx);
  });
});
