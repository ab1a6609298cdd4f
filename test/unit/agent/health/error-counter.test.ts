import { describe, expect, it } from 'vitest';
import { nextErrorCounter, parseErrorCounter } from '../../../../agent/health/error-counter.js';

const T = (s: number) => Date.UTC(2026, 0, 1, 0, 0, s);
const iso = (s: number) => new Date(T(s)).toISOString();

describe('a port’s error counter record', () => {
  it('is written at its first read, and again only when the value moved', () => {
    const first = nextErrorCounter(undefined, 7, T(0));
    expect(first).toEqual({
      counter: 'ifInErrors',
      value: 7,
      changedAt: iso(0),
      since: iso(0),
      lastGrowth: null,
    });
    expect(nextErrorCounter(first, 7, T(60))).toBeUndefined();
    const grown = nextErrorCounter(first, 19, T(120));
    expect(grown).toEqual({ ...first, value: 19, changedAt: iso(120), lastGrowth: { by: 12, at: iso(120) } });
  });

  it('a Counter32 wrap is growth, as qualification counts it', () => {
    const near = nextErrorCounter(undefined, 2 ** 32 - 6, T(0));
    expect(nextErrorCounter(near, 5, T(60))).toMatchObject({
      value: 5,
      since: iso(0),
      lastGrowth: { by: 11 },
    });
  });

  it('a value that went down, or a counter the device says it reset, starts counting again and keeps the last rise', () => {
    const grown = nextErrorCounter(nextErrorCounter(undefined, 7, T(0)), 19, T(60))!;
    const wrapped = nextErrorCounter(grown, 3, T(120));
    expect(wrapped).toMatchObject({ value: 3, since: iso(120), lastGrowth: { by: 12, at: iso(60) } });
    const reset = nextErrorCounter(wrapped, 3, T(180), true);
    expect(reset).toMatchObject({ value: 3, since: iso(180), changedAt: iso(180) });
  });

  it('anything stored that is not such a record reads as none', () => {
    const ok = nextErrorCounter(undefined, 1, T(0));
    expect(parseErrorCounter(JSON.parse(JSON.stringify(ok)))).toEqual(ok);
    expect(parseErrorCounter(undefined)).toBeUndefined();
    expect(parseErrorCounter({ ...ok, value: -1 })).toBeUndefined();
    expect(parseErrorCounter({ ...ok, extra: 1 })).toBeUndefined();
  });
});
