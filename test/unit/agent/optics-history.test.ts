import { describe, expect, it } from 'vitest';
import { HOUR_MS, HourAggregator, MAX_HISTORY_LANES } from '../../../agent/optics-history.js';

const T0 = Date.UTC(2026, 0, 1);

describe('HourAggregator', () => {
  it('keeps min/avg/max per lane and hands over the hour when the next one starts', () => {
    const a = new HourAggregator();
    expect(
      a.add(T0, [
        { rxDbm: -5, txDbm: -2 },
        { rxDbm: null, txDbm: -1 },
      ]),
    ).toBeUndefined();
    expect(
      a.add(T0 + 10_000, [
        { rxDbm: -7, txDbm: -2 },
        { rxDbm: null, txDbm: -3 },
      ]),
    ).toBeUndefined();
    const done = a.add(T0 + HOUR_MS, [
      { rxDbm: -6, txDbm: -2 },
      { rxDbm: -9, txDbm: -1 },
    ]);
    expect(done).toEqual({
      t: T0,
      lanes: [
        { rx: { min: -7, avg: -6, max: -5 }, tx: { min: -2, avg: -2, max: -2 } },
        { rx: null, tx: { min: -3, avg: -2, max: -1 } },
      ],
    });
    expect(a.bucket()?.t).toBe(T0 + HOUR_MS);
    expect(a.bucket()?.lanes[1]?.rx).toEqual({ min: -9, avg: -9, max: -9 });
  });

  it('the same lanes handed back poll after poll count once per poll, around a change', () => {
    const a = new HourAggregator();
    const steady = [{ rxDbm: -4, txDbm: -1 }];
    for (let i = 0; i < 3; i++) a.add(T0 + i * 10_000, steady);
    a.add(T0 + 30_000, [{ rxDbm: -8, txDbm: -1 }]);
    // Read mid-run: what was counted so far, and the run goes on after it.
    expect(a.bucket()?.lanes[0]?.rx).toEqual({ min: -8, avg: -5, max: -4 });
    a.add(T0 + 40_000, steady);
    a.add(T0 + 50_000, steady);
    const done = a.add(T0 + HOUR_MS, steady);
    // -4 × 5 and -8 once: avg -28/6.
    expect(done?.lanes[0]?.rx).toEqual({ min: -8, avg: -28 / 6, max: -4 });
  });

  it('an hour with no light at all is no bucket', () => {
    const a = new HourAggregator();
    a.add(T0, [{ rxDbm: null, txDbm: null }]);
    expect(a.add(T0 + HOUR_MS, [{ rxDbm: -3, txDbm: -3 }])).toBeUndefined();
  });

  it('stays the same size over a simulated year of 10 s polls, and closes each hour once', () => {
    const a = new HourAggregator();
    const lanes = Array.from({ length: 40 }, (_, i) => ({ rxDbm: -5 - i / 10, txDbm: -1 }));
    let closed = 0;
    let widest = 0;
    const year = 365 * 24 * HOUR_MS;
    for (let now = T0; now < T0 + year; now += 10_000) {
      const done = a.add(now, lanes);
      if (done) {
        closed++;
        widest = Math.max(widest, done.lanes.length);
        expect(done.t).toBe(now - HOUR_MS);
      }
    }
    expect(closed).toBe(365 * 24 - 1);
    // However many lanes a device reports, no more than the cap are kept.
    expect(widest).toBe(MAX_HISTORY_LANES);
    expect(JSON.stringify(a.bucket()).length).toBeLessThan(16 * 120);
  });
});
