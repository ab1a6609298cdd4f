import { styleText } from 'node:util';
import type { DcEvent } from '../../contract/events.js';

type Style = Parameters<typeof styleText>[0];

function dbmList(values: readonly (number | null)[]): string {
  return `[${values.map((v) => (v === null ? '—' : v.toFixed(2))).join(', ')}]`;
}

/** The one-line essence of an event's data, in the words operators use. */
export function summarize(ev: DcEvent): string {
  switch (ev.type) {
    case 'provision.planned':
    case 'deprovision.planned':
      return `${ev.data.changes} change(s) planned`;
    case 'provision.succeeded':
      return `verified${ev.data.confirmedCommit ? ' (confirmed commit)' : ''}${ev.data.changed === false ? ', already in place' : ''} "${ev.data.description}" in ${ev.data.durationMs} ms`;
    case 'provision.failed':
    case 'deprovision.failed':
    case 'audit.failed':
      return `${ev.data.code}: ${ev.data.message} (attempt ${ev.data.attempt}/${ev.data.attemptsMax}${ev.data.final ? ', final' : ev.data.retryable ? ', will retry' : ''})`;
    case 'construction.completed':
      return `port ${ev.data.evidence.operStatus}, rx ${dbmList(ev.data.evidence.rxDbm)} tx ${dbmList(ev.data.evidence.txDbm)} dBm over ${ev.data.evidence.samples} polls`;
    case 'availability.changed':
      return `→ ${ev.data.to} (${ev.data.reason}), rx ${dbmList(ev.data.rxDbm)} tx ${dbmList(ev.data.txDbm)} dBm${ev.data.flapCount ? `, ${ev.data.flapCount} flaps` : ''}`;
    case 'monitoring.degraded':
    case 'monitoring.restored':
      return `${ev.data.reason} since ${ev.data.since}`;
    case 'deprovision.succeeded':
      return `port cleared and verified; light ${ev.data.lightPresent ? 'still present (fibre not yet removed)' : 'gone'}`;
    case 'deprovision.blocked':
      return `blocked by private virtual interfaces: ${ev.data.subinterfaces.join(', ')}`;
    case 'optics.changed': {
      const m = ev.data.module;
      return `transceiver ${ev.data.change}: ${m.vendor ?? '?'} ${m.part ?? '?'} serial ${m.serial ?? '?'}`;
    }
    case 'optics.degrading': {
      const d = ev.data;
      const base = d.baselineDbm === null ? '' : ` (baseline ${d.baselineDbm.toFixed(2)})`;
      const why =
        d.cause === 'trend'
          ? `trend ${d.slopeDbPerDay?.toFixed(2)} dB/day, alarm in ${d.hoursToAlarm?.toFixed(1)} h`
          : 'warning threshold crossed';
      return `lane ${d.lane} ${d.direction} ${d.dbm.toFixed(2)} dBm${base}: ${why}`;
    }
    case 'drift.detected':
      return `drift (${ev.data.detectedBy}, policy ${ev.data.policy}): ${ev.data.drifts.map((d) => `${d.field} ${JSON.stringify(d.expected)} → ${JSON.stringify(d.actual)}`).join('; ')}`;
    case 'drift.healed':
      return `intent re-applied and verified in ${ev.data.durationMs} ms`;
    case 'audit.completed': {
      const n = ev.data.drifts.length;
      const found = n === 0 ? 'no drift' : `${n} connection(s) drifted, ${ev.data.healed} healed`;
      return `audited ${ev.data.portsAudited} port(s) (${ev.data.detectedBy}, policy ${ev.data.policy}): ${found} in ${ev.data.durationMs} ms`;
    }
  }
}

function styleFor(ev: DcEvent): Style {
  if (
    ev.type.endsWith('.failed') ||
    ev.type === 'monitoring.degraded' ||
    ev.type === 'deprovision.blocked' ||
    ev.type === 'drift.detected' ||
    ev.type === 'optics.degrading'
  )
    return 'red';
  if (ev.type === 'audit.completed') return ev.data.drifts.length > 0 ? 'red' : 'green';
  if (ev.type === 'availability.changed') return ev.data.to === 'available' ? 'green' : 'red';
  if (ev.type.endsWith('.planned')) return 'cyan';
  return 'green';
}

export function formatEvent(ev: DcEvent, color: boolean): string {
  const where = `${ev.data.device ?? '?'} ${ev.data.port ?? (ev.type === 'audit.completed' ? '*' : '?')}`;
  const type = color ? styleText(styleFor(ev), ev.type.padEnd(22)) : ev.type.padEnd(22);
  return `${ev.time}  ${ev.subject}  #${ev.sequence}  ${type}  ${where}  ${summarize(ev)}`;
}
