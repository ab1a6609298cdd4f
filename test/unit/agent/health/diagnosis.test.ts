import { describe, expect, it } from 'vitest';
import { type DiagnosisReading, diagnose, rxHoursByLane } from '../../../../agent/health/diagnosis.js';
import type { PortThresholds } from '../../../../config/defaults.js';

const LR4: { thresholds: PortThresholds } = {
  thresholds: { rx: [-10.6, 4.5], tx: [-4.3, 4.5], source: 'default' },
};
const TREND = { windowHours: 24, forecastHours: 72, minDropDb: 1 };
const HOUR = 3_600_000;

function reading(
  rx: (number | null)[],
  tx: (number | null)[] = rx.map(() => 1),
  extra: Partial<DiagnosisReading> = {},
): DiagnosisReading {
  return {
    device: 'sw1',
    port: '100GE1/0/1',
    ifIndex: 7,
    adminStatus: 'up',
    operStatus: 'up',
    lanes: rx.map((r, i) => ({ lane: i + 1, rxDbm: r, txDbm: tx[i] ?? null })),
    rxDbm: rx,
    txDbm: tx,
    opticsRead: true,
    opticPresent: true,
    ...extra,
  };
}

const verdict = (r: DiagnosisReading, history?: Parameters<typeof diagnose>[2]) =>
  diagnose(r, LR4, history, TREND).verdict;

describe('status diagnosis: one verdict line a field engineer can act on', () => {
  it('healthy', () => {
    expect(verdict(reading([-3, -3, -3, -3]))).toBe('healthy: nothing to do');
  });
  it('shut on purpose', () => {
    expect(verdict(reading([null], [null], { adminStatus: 'down', operStatus: 'down' }))).toMatch(
      /^shut on purpose/,
    );
  });
  it('no optic in the port', () => {
    expect(verdict(reading([null], [null], { opticPresent: false, operStatus: 'down' }))).toMatch(
      /insert or reseat the optic/,
    );
  });
  it('our Tx out of range: swap the optic', () => {
    expect(verdict(reading([-3, -3, -3, -3], [1, -9, 1, 1]))).toBe(
      'our transmit power is out of range on lane 2: swap the optic',
    );
  });
  it('one lane dark while the others are lit: the module, not the fibre', () => {
    expect(verdict(reading([-3, null, -3, -3], [1, 1, 1, 1], { operStatus: 'down' }))).toMatch(
      /^lane 2 below the alarm bound while the others are lit: clean the connector, then swap the optic/,
    );
  });
  it('the whole port dark with our Tx fine: chase the customer', () => {
    expect(verdict(reading([null, null, null, null], [1, 1, 1, 1], { operStatus: 'down' }))).toMatch(
      /^no light from the customer on any lane: chase the customer/,
    );
  });
  it('light that fell from its baseline: clean first', () => {
    const history = { baseline: { rx: [-3], tx: [1] }, rxHours: [] };
    expect(verdict(reading([-12]), history)).toMatch(/^receive power fell 9\.0 dB from its baseline/);
    expect(verdict(reading([-12]))).toMatch(/^receive power below the alarm bound: check the customer/);
  });
  it('too hot: an attenuator is missing', () => {
    expect(verdict(reading([6]))).toMatch(/attenuator is missing/);
  });
  it('module warning bands: healthy but flagged, with the module as the source', () => {
    const d = diagnose(
      reading([-9.5], [1], {
        moduleThresholds: {
          rx: { lowAlarm: -12, lowWarning: -9, highWarning: 2, highAlarm: 4 },
          tx: { lowAlarm: -6, lowWarning: -4, highWarning: 2, highAlarm: 4 },
        },
      }),
      LR4,
      undefined,
      TREND,
    );
    expect(d.healthy).toBe(true);
    expect(d.thresholdSource).toBe('module');
    expect(d.lanes[0]).toMatchObject({ rxState: 'low-warning', txState: 'ok' });
    expect(d.verdict).toBe('healthy, but lane 1 in the warning band: clean the connector at the next window');
  });
  it('a falling trend with its hours to alarm, and the delta from the baseline', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    // A steady fall of 2 dB/day over the last day, 3.9 dB below a baseline of -6 dBm.
    const points = Array.from({ length: 24 }, (_, h) => ({
      t: t0 + h * HOUR,
      lane: 1,
      rxDbm: -8 - (h * 2) / 24,
    }));
    const history = { baseline: { rx: [-6], tx: [1] }, rxHours: rxHoursByLane(points) };
    const d = diagnose(reading([-9.9]), LR4, history, TREND);
    expect(d.lanes[0]!.rxDeltaDb).toBeCloseTo(-3.9);
    expect(d.lanes[0]!.trend!.slopeDbPerDay).toBeCloseTo(-2, 1);
    // The fitted line is at -9.92 at the newest hour and falls 2 dB/day: 0.68 dB to go ≈ 8.2 h.
    expect(d.lanes[0]!.trend!.hoursToAlarm).toBeGreaterThan(7);
    expect(d.lanes[0]!.trend!.hoursToAlarm).toBeLessThan(9.5);
    expect(d.verdict).toMatch(/^receive power falling 2\.0 dB\/day on lane 1, alarm in about \d h: plan/);
  });
});
