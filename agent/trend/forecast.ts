import { mannKendallZ, robustSigma, theilSen } from './theil-sen.js';

/**
 * When a lane's Rx light reaches its low-alarm bound (issue 15 §3): a robust slope over the
 * hourly averages, judged against the bound and the lane's baseline. Pure; the clock is the
 * hour stamps it is given.
 */

export interface TrendConfig {
  readonly windowHours: number;
  readonly forecastHours: number;
  readonly minDropDb: number;
}

/** One hour's average of one lane's Rx reading. */
export interface HourlyRx {
  /** Epoch ms of the hour's start. */
  readonly t: number;
  readonly rxDbm: number;
}

export interface Forecast {
  readonly slopeDbPerDay: number;
  /** From the newest hour to the low-alarm bound along the fitted line; 0 when already past it. */
  readonly hoursToAlarm: number;
  /** The fitted level at the newest hour (what the drop from the baseline is measured on). */
  readonly levelDbm: number;
}

/**
 * Fewer hours than this say nothing about a slope: a connector reseated or a patch moved gives a
 * step, which a handful of points would read as a steep trend.
 */
export const MIN_TREND_HOURS = 6;

const HOUR_MS = 3_600_000;

/** The fit over the hours, or null when there are too few of them (or no slope). */
export function fitRxTrend(hours: readonly HourlyRx[]): Forecast | null {
  if (hours.length < MIN_TREND_HOURS) return null;
  const t0 = hours[hours.length - 1]!.t;
  const points = hours.map((h) => ({ x: (h.t - t0) / HOUR_MS, y: h.rxDbm }));
  const line = theilSen(points);
  if (!line) return null;
  const span = points[points.length - 1]!.x - points[0]!.x;
  // A slope noise could have drawn is no slope: the values must fall in order (Mann–Kendall) and
  // the line must move across the window by more than the readings scatter around it.
  const significant =
    mannKendallZ(hours.map((h) => h.rxDbm)) <= -MK_Z &&
    Math.abs(line.slope) * span >= SCATTER_FACTOR * robustSigma(points, line);
  return {
    slopeDbPerDay: significant ? line.slope * 24 : 0,
    hoursToAlarm: Number.POSITIVE_INFINITY,
    levelDbm: line.intercept,
  };
}

/** One-sided p ≈ 0.0005: a flat lane fitted every hour passes it by chance about once in three months... */
const MK_Z = 3.29;
/**
 * ...and then its line moves across the window by about what the readings scatter, so the fall
 * must be four times the scatter. A real fall of 0.5 dB/day is seen in a day while the hourly
 * averages scatter under 0.12 dB (a poll every 10 s averages per-poll noise of ±0.3 dB down to ~0.01 dB).
 */
const SCATTER_FACTOR = 4;

export type TrendVerdict =
  | { readonly kind: 'degrading'; readonly forecast: Forecast }
  /** Still on the way down, not yet cleared: an episode already reported stays open. */
  | { readonly kind: 'holding' }
  | { readonly kind: 'clear' };

/**
 * `degrading` when the fitted Rx slope reaches `lowAlarmDbm` within `forecastHours` and the
 * fitted level is at least `minDropDb` below the baseline. An episode clears only once the lane
 * is well away from that (no slope down, or twice the horizon, or half the drop), so a lane near
 * the line does not report every other hour.
 */
export function judgeRxTrend(
  hours: readonly HourlyRx[],
  baselineDbm: number | null,
  lowAlarmDbm: number | null,
  cfg: TrendConfig,
): TrendVerdict {
  if (baselineDbm === null || lowAlarmDbm === null) return { kind: 'clear' };
  const fit = fitRxTrend(hours);
  if (!fit || fit.slopeDbPerDay >= 0) return { kind: 'clear' };
  const perHour = fit.slopeDbPerDay / 24;
  const hoursToAlarm = Math.max(0, (fit.levelDbm - lowAlarmDbm) / -perHour);
  const drop = baselineDbm - fit.levelDbm;
  if (hoursToAlarm <= cfg.forecastHours && drop >= cfg.minDropDb) {
    return { kind: 'degrading', forecast: { ...fit, hoursToAlarm } };
  }
  if (hoursToAlarm <= 2 * cfg.forecastHours && drop >= cfg.minDropDb / 2) return { kind: 'holding' };
  return { kind: 'clear' };
}
