import type { ConnectionDetail, ConnectionView } from '../../contract/cli-output.js';
import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import type { AuditRecord, IntentRecord } from '../../jobs/ports.js';
import { age, cell, table } from '../command-line/table.js';
import type { TrackedConnection } from '../connections.js';
import { initialState, observedState, portTrackStateSchema } from '../health/track-state.js';
import { formatEvent } from './event-format.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One tracked connection as `dcagent connections` shows it, from what Redis holds: the record and
 * tracker state (agent/connections.ts), the recorded intent and the last audit (agent/intents.ts).
 * A tracker state that does not parse reads as none: the monitor starts such a connection afresh
 * under construction, and so does this view.
 */
export function connectionView(
  tracked: TrackedConnection,
  intent: IntentRecord | undefined,
  audit: AuditRecord | undefined,
): ConnectionView {
  const { record } = tracked;
  const parsed = portTrackStateSchema.safeParse(tracked.tracker);
  const state = parsed.success
    ? parsed.data
    : initialState(record.device, record.port, { underConstruction: true });
  const poll = state.lastPoll;
  return {
    connectionId: record.connectionId,
    device: record.device,
    port: record.port,
    portType: record.portType,
    since: record.since,
    state: observedState(state),
    degraded: state.degraded ? { reason: state.degraded.reason, since: iso(state.degraded.since) } : null,
    intent: intent
      ? {
          state: intent.state,
          description: intent.description,
          portType: intent.portType,
          bandwidthMbps: intent.bandwidthMbps ?? null,
          jobId: intent.jobId,
          time: intent.time,
        }
      : null,
    lastPoll: !poll
      ? null
      : poll.ok
        ? {
            ok: true,
            at: iso(poll.at),
            adminStatus: poll.adminStatus,
            operStatus: poll.operStatus,
            lanes: poll.lanes.map((l, i) => ({
              lane: i + 1,
              rxDbm: l.rxDbm,
              txDbm: l.txDbm,
              ...(l.rxState ? { rxState: l.rxState } : {}),
              ...(l.txState ? { txState: l.txState } : {}),
            })),
            ...(poll.thresholds ? { thresholds: poll.thresholds } : {}),
            ...(poll.thresholdSource ? { thresholdSource: poll.thresholdSource } : {}),
            ...(poll.module ? { module: poll.module } : {}),
          }
        : { ok: false, at: iso(poll.at), reason: poll.reason },
    lastAudit: audit
      ? {
          time: audit.time,
          drifts: [
            ...audit.drifts.map((d) => ({ ...d, resolved: false })),
            ...(audit.resolved ?? []).map((d) => ({ ...d, resolved: true })),
          ],
          driftSince: audit.driftSince ?? null,
          resolvedAt: audit.resolvedAt ?? null,
          healedAt: audit.healedAt ?? null,
        }
      : null,
  };
}

/** Lists sort by device, then port as people read them (`10GE1/0/2` before `10GE1/0/10`). */
export function byDevicePort(a: ConnectionView, b: ConnectionView): number {
  return (
    a.device.localeCompare(b.device, 'en', { numeric: true }) ||
    a.port.localeCompare(b.port, 'en', { numeric: true })
  );
}

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
