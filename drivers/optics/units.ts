/**
 * Unit conversions and sentinel rules shared by every optics adapter (CONTRACT §5): a vendor's
 * "no reading" never becomes a number. All functions are pure and total: any input gives a
 * finite dBm value or null.
 */

/** Raw integers vendors use for "not available" (Integer32 max/min). */
export const RAW_SENTINELS: ReadonlySet<number> = new Set([2147483647, -2147483648]);

/**
 * The floor of DOM power monitors: SFF-8472/CMIS report 0 µW as −40 dBm, so −40 (or less) is a
 * dark port, not a measurement.
 */
export const DARK_DBM = -40;

/**
 * No pluggable optic launches anywhere near 1 W; a larger number is a sentinel this code does
 * not know (0x7FFF in hundredths is +327.67 dBm), so it is no reading rather than "rx-high".
 */
export const MAX_PLAUSIBLE_DBM = 30;

/** Readings are reported to 0.01 dB, the resolution DOM monitors have. */
export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The one gate every dBm value passes before it leaves an adapter. */
export function cleanDbm(dbm: number | null | undefined): number | null {
  if (dbm === null || dbm === undefined || !Number.isFinite(dbm)) return null;
  if (dbm <= DARK_DBM || dbm > MAX_PLAUSIBLE_DBM) return null;
  const r = round2(dbm);
  // Math.round(-0.004 * 100) gives -0; JSON shows it as 0 anyway, but tests compare with Object.is.
  return r === 0 ? 0 : r;
}

/** Hundredths of a dBm (Huawei, H3C, Juniper). */
export function centiDbm(raw: number | null): number | null {
  if (raw === null || RAW_SENTINELS.has(raw)) return null;
  return cleanDbm(raw / 100);
}

/** Microwatts → dBm; 0 µW is no light. */
export function microwattsToDbm(uw: number | null): number | null {
  if (uw === null || RAW_SENTINELS.has(uw) || !(uw > 0)) return null;
  return cleanDbm(10 * Math.log10(uw / 1000));
}

/** Watts → dBm; 0 W (0 mW) is no light. */
export function wattsToDbm(w: number | null): number | null {
  if (w === null || !(w > 0)) return null;
  return cleanDbm(10 * Math.log10(w * 1000));
}

/**
 * Powers of ten of EntitySensorDataScale (RFC 3433, shared by CISCO-ENTITY-SENSOR-MIB). Spelled
 * out because the enum lists exa(14) before peta(15), so (scale − 9) × 3 is wrong for those two.
 */
const SCALE_EXPONENT: Readonly<Record<number, number>> = Object.freeze({
  1: -24,
  2: -21,
  3: -18,
  4: -15,
  5: -12,
  6: -9,
  7: -6,
  8: -3,
  9: 0,
  10: 3,
  11: 6,
  12: 9,
  13: 12,
  14: 18,
  15: 15,
  16: 21,
  17: 24,
});

export function scaleExponent(scale: number): number | null {
  return SCALE_EXPONENT[scale] ?? null;
}

/**
 * A fixed-point sensor reading as a plain number: value × 10^scale / 10^precision. Precision
 * ranges −8…9 (RFC 3433 EntitySensorPrecision); a negative precision multiplies.
 */
export function sensorReading(value: number | null, scale: number, precision: number): number | null {
  if (value === null) return null;
  const exp = scaleExponent(scale);
  if (exp === null || !Number.isInteger(precision) || precision < -8 || precision > 9) return null;
  // One power of ten, not two, so 10^-3 / 10^1 does not pick up two rounding errors.
  const e = exp - precision;
  return e >= 0 ? value * 10 ** e : value / 10 ** -e;
}

/**
 * A lane list such as Huawei's hwEntityOpticalLaneRxPower "114,32,-90,-228" (hundredths of
 * dBm). Tokens that are not integers ("N/A", "--", empty) are no reading, in their position.
 */
export function parseLaneList(text: string | null): (number | null)[] {
  if (text === null) return [];
  const trimmed = text.trim();
  if (trimmed === '' || /^n\/?a$/i.test(trimmed)) return [];
  return trimmed.split(/[,;]/).map((tok) => {
    const t = tok.trim();
    return /^[-+]?\d+$/.test(t) ? centiDbm(Number(t)) : null;
  });
}
