import type { ConnectionDetail, ConnectionView } from '../../contract/cli-output.js';
import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import { age, cell, table } from '../command-line/table.js';
import { formatEvent } from './event-format.js';

const dbm = (v: number | null) => (v === null ? '—' : v.toFixed(2));

/** `up/up`, or the failure, with its age. */
function pollCell(v: ConnectionView, now: number): string {
  const p = v.lastPoll;
  if (!p) return '-';
  return `${p.ok ? `${p.adminStatus}/${p.operStatus}` : `failed ${p.reason}`} ${age(p.at, now)} ago`;
}

/** Rx per lane, the one reading an operator scans a list for. */
function rxCell(v: ConnectionView): string {
  const p = v.lastPoll;
  return p?.ok && p.lanes.length > 0 ? p.lanes.map((l) => dbm(l.rxDbm)).join(' ') : '-';
}

function auditCell(v: ConnectionView, now: number): string {
  const a = v.lastAudit;
  if (!a) return '-';
  const open = a.drifts.filter((d) => !d.resolved).length;
  return `${open > 0 ? `${open} drift${open === 1 ? '' : 's'}` : 'clean'} ${age(a.time, now)} ago`;
}

const DESCRIPTION_WIDTH = 40;

/** The human table of `dcagent connections`: one row per connection. */
export function connectionsTable(views: readonly ConnectionView[], now = Date.now()): string {
  const head = ['CONNECTION', 'DEVICE', 'PORT', 'STATE', 'LAST POLL', 'RX DBM', 'AUDIT', 'DESCRIPTION'];
  const rows = views.map((v) => [
    v.connectionId,
    v.device,
    v.port,
    v.degraded ? `${v.state} (degraded)` : v.state,
    pollCell(v, now),
    rxCell(v),
    auditCell(v, now),
    // Customer text: shown quoted, so spaces and odd characters cannot pass for columns.
    v.intent ? cell(JSON.stringify(v.intent.description), DESCRIPTION_WIDTH) : '-',
  ]);
  return table(head, rows);
}

const show = (value: unknown) => JSON.stringify(value);

/** `FINISAR FTLX1471D3BCL serial N7AB12C`, with `?` for what the module does not say. */
export function moduleText(m: { vendor: string | null; part: string | null; serial: string | null }): string {
  // Some adapters bind a port without its ENTITY-MIB entry: say so rather than print three blanks.
  if (m.vendor === null && m.part === null && m.serial === null) return 'present, not identified by this MIB';
  return `${m.vendor ?? '?'} ${m.part ?? '?'} serial ${m.serial ?? '?'}`;
}

const bound = (v: number | null) => (v === null ? '-' : String(v));

/** `rx alarm -14.4..0.5 warn -12.4..-1 dBm; tx …`: the bounds in the order they are crossed. */
export function boundsText(t: LaneThresholds): string {
  const side = (b: Bounds) =>
    `alarm ${bound(b.lowAlarm)}..${bound(b.highAlarm)} warn ${bound(b.lowWarning)}..${bound(b.highWarning)}`;
  return `rx ${side(t.rx)}; tx ${side(t.tx)} dBm`;
}

/** `connections show`: one field per line, the lanes and drifts as small tables, then the events. */
export function connectionDetailText(d: ConnectionDetail, now = Date.now()): string {
  const lines = [
    `connection  ${d.connectionId}`,
    `device      ${d.device}`,
    `port        ${d.port} (${d.portType})`,
    `state       ${d.state}${d.degraded ? `, monitoring degraded (${d.degraded.reason} since ${d.degraded.since})` : ''}`,
    `tracked     since ${d.since}`,
  ];
  const i = d.intent;
  lines.push(
    i
      ? `intent      ${i.state} ${show(i.description)}, ${i.portType}${i.bandwidthMbps ? `, ${i.bandwidthMbps} Mb/s` : ''} (job ${i.jobId}, ${i.time})`
      : 'intent      none recorded',
  );
  const p = d.lastPoll;
  if (!p) lines.push('last poll   none yet');
  else if (!p.ok) lines.push(`last poll   ${p.at} (${age(p.at, now)} ago): failed, ${p.reason}`);
  else {
    lines.push(`last poll   ${p.at} (${age(p.at, now)} ago): admin ${p.adminStatus}, oper ${p.operStatus}`);
    if (p.module) lines.push(`module      ${moduleText(p.module)}`);
    const lanes = table(
      ['LANE', 'RX DBM', 'RX STATE', 'TX DBM', 'TX STATE'],
      p.lanes.map((l) => [String(l.lane), dbm(l.rxDbm), l.rxState ?? '-', dbm(l.txDbm), l.txState ?? '-']),
    );
    lines.push(...lanes.split('\n').map((l) => `            ${l}`));
    if (p.thresholds)
      lines.push(`thresholds  ${boundsText(p.thresholds)} (${p.thresholdSource ?? 'unknown'})`);
  }
  const a = d.lastAudit;
  if (!a) lines.push('last audit  none yet');
  else {
    const open = a.drifts.filter((x) => !x.resolved).length;
    const notes = [
      open > 0 ? `${open} drift${open === 1 ? '' : 's'} since ${a.driftSince ?? a.time}` : 'clean',
      ...(a.resolvedAt
        ? [`last resolved ${a.resolvedAt}${a.healedAt === a.resolvedAt ? ' (healed)' : ''}`]
        : []),
    ];
    lines.push(`last audit  ${a.time}: ${notes.join(', ')}`);
    if (a.drifts.length > 0) {
      const drifts = table(
        ['FIELD', 'EXPECTED', 'ACTUAL', 'STATUS'],
        a.drifts.map((x) => [
          x.field,
          cell(show(x.expected), 40),
          cell(show(x.actual), 40),
          x.resolved ? 'resolved' : 'open',
        ]),
      );
      lines.push(...drifts.split('\n').map((l) => `            ${l}`));
    }
  }
  lines.push(
    d.events.length > 0
      ? `events      the last ${d.events.length} (of the newest ${d.eventsScanned} in the stream), oldest first:`
      : `events      none in the newest ${d.eventsScanned} of the stream`,
  );
  for (const ev of d.events) lines.push(`  ${formatEvent(ev, false)}`);
  return lines.join('\n');
}
