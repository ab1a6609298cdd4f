import { describe, expect, it } from 'vitest';
import {
  fitRxTrend,
  type HourlyRx,
  judgeRxTrend,
  MIN_TREND_HOURS,
} from '../../../../agent/trend/forecast.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const cfg = { windowHours: 24, forecastHours: 72, minDropDb: 1.0 };
const LOW_ALARM = -14.4; // 10GBASE-LR

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** `n` hours ending at hour `end`, Rx = f(hour index since T0). */
const hours = (from: number, n: number, f: (h: number) => number): HourlyRx[] =>
  Array.from({ length: n }, (_, i) => ({ t: T0 + (from + i) * HOUR, rxDbm: f(from + i) }));

describe('judgeRxTrend', () => {
  it('a −0.5 dB/day drift near the alarm bound is degrading, with hoursToAlarm within 10 % of the truth', () => {
    const baseline = -12.0;
    const perHour = -0.5 / 24;
    // 48 h of drift: the level is −13.0, 1.4 dB above the bound: 67.2 h to go.
    const h = hours(25, 24, (i) => baseline + perHour * i);
    const v = judgeRxTrend(h, baseline, LOW_ALARM, cfg);
    expect(v.kind).toBe('degrading');
    if (v.kind !== 'degrading') return;
    const last = h[h.length - 1]!.rxDbm;
    const truth = (last - LOW_ALARM) / (0.5 / 24);
    expect(Math.abs(v.forecast.hoursToAlarm - truth) / truth).toBeLessThan(0.1);
    expect(v.forecast.slopeDbPerDay).toBeCloseTo(-0.5, 6);
  });

  it('the same drift is not reported before the lane dropped minDropDb below its baseline', () => {
    // Already close to the bound at completion: the slope alone does not say the link got worse.
    const baseline = -13.2;
    const h = hours(1, 24, (i) => baseline + (-0.5 / 24) * i);
    expect(judgeRxTrend(h, baseline, LOW_ALARM, cfg).kind).not.toBe('degrading');
  });

  it('a drift whose alarm is beyond the forecast horizon is not degrading', () => {
    const baseline = -3.0;
    const h = hours(48, 24, (i) => baseline + (-0.5 / 24) * i);
    expect(judgeRxTrend(h, baseline, LOW_ALARM, cfg).kind).toBe('clear');
  });

  it('a flat lane with ±0.3 dB noise never degrades, over many windows and seeds', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const r = noise(seed);
      const baseline = -13.0;
      // Sitting 1.0 dB under its baseline and 0.4 dB above the bound: only a slope could trigger.
      const h = hours(0, 24, () => -14.0 + 0.3 * r());
      expect(judgeRxTrend(h, baseline, LOW_ALARM, cfg).kind, `seed ${seed}`).not.toBe('degrading');
    }
  });

  it('one outlier hour does not trigger a trend', () => {
    const baseline = -11.4;
    const h = hours(0, 24, () => -12.5);
    h[h.length - 1] = { ...h[h.length - 1]!, rxDbm: -30 };
    expect(judgeRxTrend(h, baseline, LOW_ALARM, cfg).kind).toBe('clear');
    const fit = fitRxTrend(h);
    expect(fit?.slopeDbPerDay).toBe(0);
  });

  it('needs a baseline, a bound and enough hours', () => {
    const h = hours(25, 24, (i) => -12 + (-0.5 / 24) * i);
    expect(judgeRxTrend(h, null, LOW_ALARM, cfg).kind).toBe('clear');
    expect(judgeRxTrend(h, -12, null, cfg).kind).toBe('clear');
    expect(judgeRxTrend(h.slice(-(MIN_TREND_HOURS - 1)), -12, LOW_ALARM, cfg).kind).toBe('clear');
  });

  it('an episode holds near the line instead of clearing and re-reporting', () => {
    const baseline = -12.0;
    // 100 h to the bound: past the 72 h horizon, inside twice of it.
    const h = hours(0, 24, (i) => -13.0 + (-1.4 / 100) * (i - 23));
    expect(judgeRxTrend(h, baseline, LOW_ALARM, cfg).kind).toBe('holding');
  });
});
