import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  centiDbm,
  cleanDbm,
  microwattsToDbm,
  parseLaneList,
  scaleExponent,
  sensorReading,
  wattsToDbm,
} from '../../../../drivers/optics/units.js';

describe('sentinels and dark values become null, never a number', () => {
  it('Integer32 max/min sentinels', () => {
    expect(centiDbm(2147483647)).toBeNull();
    expect(centiDbm(-2147483648)).toBeNull();
    expect(microwattsToDbm(2147483647)).toBeNull();
  });
  it('-40 dBm (the DOM floor a dark port reports) and below', () => {
    expect(centiDbm(-4000)).toBeNull();
    expect(centiDbm(-4001)).toBeNull();
    expect(cleanDbm(-40)).toBeNull();
    expect(centiDbm(-3999)).toBe(-39.99);
  });
  it('0 mW / 0 µW / 0 W is no light', () => {
    expect(microwattsToDbm(0)).toBeNull();
    expect(wattsToDbm(0)).toBeNull();
    expect(wattsToDbm(-0.001)).toBeNull();
  });
  it('implausibly high values are a sentinel, not rx-high', () => {
    expect(centiDbm(32767)).toBeNull();
    expect(cleanDbm(30.01)).toBeNull();
    expect(cleanDbm(30)).toBe(30);
  });
  it('non-finite input', () => {
    expect(cleanDbm(Number.NaN)).toBeNull();
    expect(cleanDbm(Number.POSITIVE_INFINITY)).toBeNull();
    expect(cleanDbm(null)).toBeNull();
  });
  it('every output is null or a finite number in (-40, 30]', () => {
    fc.assert(
      fc.property(fc.integer(), (raw) => {
        for (const v of [centiDbm(raw), microwattsToDbm(raw), wattsToDbm(raw / 1e6)]) {
          if (v !== null) expect(Number.isFinite(v) && v > -40 && v <= 30).toBe(true);
        }
      }),
    );
  });
});

describe('unit conversions', () => {
  it('hundredths of dBm', () => {
    expect(centiDbm(-312)).toBe(-3.12);
    expect(centiDbm(114)).toBe(1.14);
    expect(centiDbm(0)).toBe(0);
  });
  it('microwatts and watts to dBm', () => {
    expect(microwattsToDbm(1000)).toBe(0);
    expect(microwattsToDbm(501.2)).toBe(-3);
    expect(wattsToDbm(0.001)).toBe(0);
    expect(wattsToDbm(0.0001)).toBe(-10);
  });
  it('value × 10^scale / 10^precision', () => {
    // units(9), precision 1: tenths
    expect(sensorReading(-23, 9, 1)).toBe(-2.3);
    // milli(8), precision 0
    expect(sensorReading(-1850, 8, 0)).toBe(-1.85);
    // micro(7), precision 1: tenths of a microwatt
    expect(sensorReading(5012, 7, 1)).toBeCloseTo(501.2e-6, 15);
    // negative precision multiplies
    expect(sensorReading(5, 9, -2)).toBe(500);
    expect(sensorReading(null, 9, 1)).toBeNull();
    expect(sensorReading(1, 99, 1)).toBeNull();
    expect(sensorReading(1, 9, 10)).toBeNull();
  });
  it('scale enum: exa(14) is 10^18 and peta(15) is 10^15, as their names say', () => {
    expect(scaleExponent(1)).toBe(-24);
    expect(scaleExponent(9)).toBe(0);
    expect(scaleExponent(13)).toBe(12);
    expect(scaleExponent(14)).toBe(18);
    expect(scaleExponent(15)).toBe(15);
    expect(scaleExponent(17)).toBe(24);
    expect(scaleExponent(0)).toBeNull();
  });
});

describe('lane lists', () => {
  it('parses Huawei lane strings in hundredths of dBm', () => {
    expect(parseLaneList('114,32,-90,-228')).toEqual([1.14, 0.32, -0.9, -2.28]);
    expect(parseLaneList(' 94, -39 ,33,-58 ')).toEqual([0.94, -0.39, 0.33, -0.58]);
  });
  it('keeps lane positions for tokens that are not readings', () => {
    expect(parseLaneList('114,N/A,-4000,--')).toEqual([1.14, null, null, null]);
  });
  it('N/A and empty are no lanes at all', () => {
    expect(parseLaneList('N/A')).toEqual([]);
    expect(parseLaneList('')).toEqual([]);
    expect(parseLaneList(null)).toEqual([]);
  });
});
