import type { PortThresholds } from '../../config/defaults.js';
import type { IfStatus } from '../../contract/events.js';
import type { LaneState, LaneThresholds } from '../../contract/optics.js';
import { fitRxTrend, type HourlyRx, judgeRxTrend, type TrendConfig } from '../trend/forecast.js';
import { evaluateHealth, type HealthReason } from './evaluate.js';
import { isWarning, laneState, resolveThresholds } from './lane-state.js';

/**
 * One port's diagnosis (issue 15 §6): every lane judged by the bounds that apply to it, set
 * against its baseline and its trend, and one line that tells a field engineer what to do next.
 * Pure: `dcagent status` and the console feed it a live reading and what Redis holds.
 */

export interface DiagnosisReading {
  readonly device: string;
  readonly port: string;
  readonly ifIndex: number;
  readonly adminStatus: IfStatus;
  readonly operStatus: IfStatus;
  readonly lanes: readonly {
    readonly lane: number;
    readonly rxDbm: number | null;
    readonly txDbm: number | null;
  }[];
  readonly rxDbm: readonly (number | null)[];
  readonly txDbm: readonly (number | null)[];
  readonly opticsRead: boolean;
  readonly moduleThresholds?: LaneThresholds;
  readonly module?: {
    readonly vendor: string | null;
    readonly part: string | null;
    readonly serial: string | null;
  };
  readonly inErrors?: number | null;
  /** False when the adapter found no transceiver in the port. */
  readonly opticPresent?: boolean;
}

export interface DiagnosisHistory {
  readonly baseline: {
    readonly rx: readonly (number | null)[];
    readonly tx: readonly (number | null)[];
  } | null;
  /** Hourly Rx averages per lane (index 0 = lane 1), oldest first. */
  readonly rxHours: readonly (readonly HourlyRx[])[];
}

export interface LaneDiagnosis {
  lane: number;
  rxDbm: number | null;
  txDbm: number | null;
  rxState: LaneState;
  txState: LaneState;
  thresholds: LaneThresholds;
  thresholdSource: 'module' | 'config' | 'default';
  baseline: { rxDbm: number | null; txDbm: number | null } | null;
  rxDeltaDb: number | null;
  trend: { slopeDbPerDay: number; hoursToAlarm: number | null } | null;
}

export interface Diagnosis {
  device: string;
  port: string;
  ifIndex: number;
  adminStatus: IfStatus;
  operStatus: IfStatus;
  lanes: LaneDiagnosis[];
  rxDbm: (number | null)[];
  txDbm: (number | null)[];
  thresholds: { rx: [number, number]; tx: [number, number] };
  healthy: boolean;
  reasons: HealthReason[];
  thresholdSource: 'module' | 'config' | 'default';
  module: { vendor: string | null; part: string | null; serial: string | null } | null;
  inErrors: number | null;
  verdict: string;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export function diagnose(
  r: DiagnosisReading,
  port: { readonly thresholds: PortThresholds },
  history: DiagnosisHistory | undefined,
  trendCfg: TrendConfig,
): Diagnosis {
  const resolved = resolveThresholds(port.thresholds, r.opticsRead ? r.moduleThresholds : undefined);
  const verdict = evaluateHealth(r, resolved.alarm);
  const lanes: LaneDiagnosis[] = r.lanes.map((l, i) => {
    const baseRx = history?.baseline?.rx[i] ?? null;
    const baseTx = history?.baseline?.tx[i] ?? null;
    const hours = history?.rxHours[i] ?? [];
    const fit = fitRxTrend(hours);
    const judged = judgeRxTrend(hours, baseRx, resolved.alarm.rx[0], trendCfg);
    return {
      lane: l.lane,
      rxDbm: l.rxDbm,
      txDbm: l.txDbm,
      rxState: laneState(l.rxDbm, resolved.bounds.rx),
      txState: laneState(l.txDbm, resolved.bounds.tx),
      thresholds: resolved.bounds,
      thresholdSource: resolved.source,
      baseline: history?.baseline ? { rxDbm: baseRx, txDbm: baseTx } : null,
      rxDeltaDb: l.rxDbm !== null && baseRx !== null ? round2(l.rxDbm - baseRx) : null,
      trend: fit
        ? {
            slopeDbPerDay: round2(fit.slopeDbPerDay),
            hoursToAlarm:
              judged.kind === 'degrading' ? Math.round(judged.forecast.hoursToAlarm * 10) / 10 : null,
          }
        : null,
    };
  });
  const doc: Omit<Diagnosis, 'verdict'> = {
    device: r.device,
    port: r.port,
    ifIndex: r.ifIndex,
    adminStatus: r.adminStatus,
    operStatus: r.operStatus,
    lanes,
    rxDbm: [...r.rxDbm],
    txDbm: [...r.txDbm],
    thresholds: {
      rx: [resolved.alarm.rx[0], resolved.alarm.rx[1]],
      tx: [resolved.alarm.tx[0], resolved.alarm.tx[1]],
    },
    healthy: verdict.healthy,
    reasons: [...verdict.reasons],
    thresholdSource: resolved.source,
    module: r.module ? { vendor: r.module.vendor, part: r.module.part, serial: r.module.serial } : null,
    inErrors: r.inErrors ?? null,
  };
  const present = r.opticPresent === undefined ? {} : { opticPresent: r.opticPresent };
  return { ...doc, verdict: verdictLine({ ...doc, ...present }, r.opticsRead) };
}

const lanesText = (ls: readonly LaneDiagnosis[]) =>
  `lane${ls.length === 1 ? '' : 's'} ${ls.map((l) => l.lane).join(',')}`;

/** A dB figure as people say it: `3.1 dB`. */
const db = (v: number) => `${Math.abs(v).toFixed(1)} dB`;

/**
 * The one line, most urgent first. The rules follow how a Direct Connect port is worked in the
 * field: our Tx is ours to fix (swap the optic); one lane dark while others are lit is the module
 * or its connector, not the fibre; a whole port dark with our Tx fine is the customer's side or
 * the patch; light that fell from its baseline is dirt first (clean, then swap).
 */
export function verdictLine(
  d: Omit<Diagnosis, 'verdict'> & { readonly opticPresent?: boolean },
  opticsRead: boolean,
): string {
  if (d.adminStatus !== 'up') return 'shut on purpose (admin down): nothing to judge until it is enabled';
  const lanes = d.lanes;
  if (!opticsRead) {
    return d.operStatus === 'up'
      ? 'link up (optics not read on this device): nothing to do'
      : 'link down (optics not read on this device): check the patch and the customer side';
  }
  if (d.opticPresent === false) return 'no transceiver found in the port: insert or reseat the optic';
  const txBad = lanes.filter((l) => l.txState === 'low-alarm' || l.txState === 'high-alarm');
  if (txBad.length > 0) return `our transmit power is out of range on ${lanesText(txBad)}: swap the optic`;
  const rxHigh = lanes.filter((l) => l.rxState === 'high-alarm');
  if (rxHigh.length > 0)
    return `receive power too high on ${lanesText(rxHigh)}: an attenuator is missing on the customer's patch`;
  const rxLow = lanes.filter((l) => l.rxState === 'low-alarm');
  if (rxLow.length > 0 && rxLow.length < lanes.length)
    return `${lanesText(rxLow)} below the alarm bound while the others are lit: clean the connector, then swap the optic (one lane failing is the module, not the fibre)`;
  if (rxLow.length > 0) {
    const dark = rxLow.every((l) => l.rxDbm === null || l.rxDbm < -30);
    if (dark)
      return 'no light from the customer on any lane: chase the customer (their Tx, or the patch to us)';
    const fell = rxLow.filter((l) => l.rxDeltaDb !== null && l.rxDeltaDb <= -3);
    if (fell.length > 0)
      return `receive power fell ${db(fell[0]!.rxDeltaDb!)} from its baseline, past the alarm bound: clean the connector, then check the patch`;
    return 'receive power below the alarm bound: check the customer’s Tx power and the patch (clean the connector)';
  }
  if (d.operStatus !== 'up')
    return 'light is in range but the link is down: check speed/FEC settings with the customer';
  const falling = lanes.filter((l) => l.trend !== null && l.trend.hoursToAlarm !== null);
  if (falling.length > 0) {
    const l = falling[0]!;
    return `receive power falling ${db(l.trend!.slopeDbPerDay)}/day on ${lanesText(falling)}, alarm in about ${Math.round(l.trend!.hoursToAlarm!)} h: plan a connector clean or an optic swap`;
  }
  const warn = lanes.filter((l) => isWarning(l.rxState) || isWarning(l.txState));
  if (warn.length > 0)
    return `healthy, but ${lanesText(warn)} in the warning band: clean the connector at the next window`;
  return 'healthy: nothing to do';
}

/** Per-lane hourly Rx averages from the stored history points (agent/optics-history.ts). */
export function rxHoursByLane(
  points: readonly { readonly t: number; readonly lane: number; readonly rxDbm: number | null }[],
): HourlyRx[][] {
  const out: HourlyRx[][] = [];
  for (const p of points) {
    if (p.rxDbm === null) continue;
    const lane = out[p.lane - 1] ?? [];
    out[p.lane - 1] = lane;
    lane.push({ t: p.t, rxDbm: p.rxDbm });
  }
  for (let i = 0; i < out.length; i++) {
    out[i] ??= [];
    out[i]!.sort((a, b) => a.t - b.t);
  }
  return out;
}
