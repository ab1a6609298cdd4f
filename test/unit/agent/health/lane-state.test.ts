import { describe, expect, it } from 'vitest';
import {
  laneState,
  resolveThresholds,
  sameLaneThresholds,
  warningMargin,
} from '../../../../agent/health/lane-state.js';
import type { PortThresholds } from '../../../../config/defaults.js';
import type { Bounds, LaneThresholds } from '../../../../contract/optics.js';

const DEFAULT_10G: PortThresholds = { rx: [-14.4, 0.5], tx: [-8.2, 0.5], source: 'default' };
const MODULE: LaneThresholds = {
  rx: { lowAlarm: -16, lowWarning: -13, highWarning: 0, highAlarm: 2 },
  tx: { lowAlarm: -9, lowWarning: -7, highWarning: 0, highAlarm: 1 },
};
const b = (
  lowAlarm: number | null,
  lowWarning: number | null,
  highWarning: number | null,
  highAlarm: number | null,
): Bounds => ({
  lowAlarm,
  lowWarning,
  highWarning,
  highAlarm,
});

describe('lane states (CONTRACT §5 "Module thresholds")', () => {
  const bounds = b(-16, -13, 0, 2);
  it.each([
    [-5, 'ok'],
    [-13, 'ok'], // on a warning bound is still inside
    [-13.01, 'low-warning'],
    [-16, 'low-warning'], // on the alarm bound: inside the alarm range, as the health verdict says
    [-16.01, 'low-alarm'],
    [0.5, 'high-warning'],
    [2.5, 'high-alarm'],
    [null, 'low-alarm'], // no light is no light
  ] as const)('%s dBm is %s', (dbm, state) => {
    expect(laneState(dbm, bounds)).toBe(state);
  });

  it('a bound nobody gives is never crossed', () => {
    expect(laneState(-15, b(-16, null, null, 2))).toBe('ok');
    expect(laneState(40, b(-16, -13, null, null))).toBe('ok');
  });

  it('warningMargin is how far inside the warning bounds a reading is', () => {
    expect(warningMargin(-12, bounds)).toBeCloseTo(1);
    expect(warningMargin(-13.5, bounds)).toBeCloseTo(-0.5);
    expect(warningMargin(-0.25, bounds)).toBeCloseTo(0.25);
  });
});

describe('resolveThresholds: module, then config, then defaults', () => {
  it('connections judged by equal bounds share one frozen result (10,000 ports, a few threshold sets)', () => {
    const one = resolveThresholds({ ...DEFAULT_10G }, structuredClone(MODULE));
    const two = resolveThresholds({ ...DEFAULT_10G }, structuredClone(MODULE));
    expect(two).toBe(one);
    expect(Object.isFrozen(one)).toBe(true);
    expect(Object.isFrozen(one.bounds.rx)).toBe(true);
    expect(Object.isFrozen(one.alarm.rx)).toBe(true);
    // Another source or other numbers is another object.
    expect(resolveThresholds(DEFAULT_10G, undefined)).not.toBe(one);
    expect(resolveThresholds({ ...DEFAULT_10G, source: 'config' }, undefined)).not.toBe(
      resolveThresholds(DEFAULT_10G, undefined),
    );
  });

  it('the module wins and health uses its alarm bounds', () => {
    const r = resolveThresholds(DEFAULT_10G, MODULE);
    expect(r.source).toBe('module');
    expect(r.bounds).toEqual(MODULE);
    expect(r.alarm).toEqual({ rx: [-16, 2], tx: [-9, 1] });
  });

  it('without a module, the configured ranges, with the config as the source', () => {
    const r = resolveThresholds(
      { rx: [-12, 0], tx: [-8.2, 0.5], rxWarning: [-10, -1], source: 'config' },
      undefined,
    );
    expect(r.source).toBe('config');
    expect(r.bounds.rx).toEqual(b(-12, -10, -1, 0));
    expect(r.bounds.tx).toEqual(b(-8.2, null, null, 0.5));
    expect(r.alarm).toEqual({ rx: [-12, 0], tx: [-8.2, 0.5] });
  });

  it('without either, the defaults, which have no warning bounds', () => {
    const r = resolveThresholds(DEFAULT_10G, undefined);
    expect(r.source).toBe('default');
    expect(r.bounds.rx).toEqual(b(-14.4, null, null, 0.5));
  });

  it('a bound the module leaves out comes from the config; a warning past the alarm is ignored', () => {
    const partial: LaneThresholds = { rx: b(-15, null, null, null), tx: b(null, null, null, null) };
    const r = resolveThresholds({ ...DEFAULT_10G, txWarning: [-9, 0] }, partial);
    expect(r.source).toBe('module');
    expect(r.bounds.rx).toEqual(b(-15, null, null, 0.5));
    // The module gave nothing for tx: tx is the config's, whose warning range reaches past its alarm.
    expect(r.bounds.tx).toEqual(b(-8.2, null, null, 0.5));
  });

  it('bounds out of order (unset EEPROM read as 0) are not believed', () => {
    const junk: LaneThresholds = { rx: b(0, 0, -5, 0), tx: b(0, 0, 0, 0) };
    const r = resolveThresholds(DEFAULT_10G, { rx: junk.rx, tx: b(1, null, null, -1) });
    expect(r.source).toBe('default');
    expect(r.alarm).toEqual({ rx: [-14.4, 0.5], tx: [-8.2, 0.5] });
  });
});

describe('sameLaneThresholds', () => {
  const module: LaneThresholds = {
    rx: { lowAlarm: -13, lowWarning: -10, highWarning: 3, highAlarm: 5 },
    tx: { lowAlarm: -6, lowWarning: -4, highWarning: 3, highAlarm: 5 },
  };
  it('a module bound anew (another poll plan) with the same numbers is the same', () => {
    expect(sameLaneThresholds(module, structuredClone(module))).toBe(true);
    expect(sameLaneThresholds(undefined, undefined)).toBe(true);
  });
  it('any bound that differs, or one side absent, is not', () => {
    expect(sameLaneThresholds(module, { ...module, tx: { ...module.tx, highWarning: null } })).toBe(false);
    expect(sameLaneThresholds(module, { ...module, rx: { ...module.rx, lowAlarm: -14 } })).toBe(false);
    expect(sameLaneThresholds(module, undefined)).toBe(false);
    expect(sameLaneThresholds(undefined, module)).toBe(false);
  });
});
