import { describe, expect, it } from 'vitest';
import {
  connectionDetailText,
  connectionsTable,
  moduleText,
} from '../../../../agent/commands/connection-view.js';
import type { TrackedConnection } from '../../../../agent/connections.js';
import { initialState, lastPollOf } from '../../../../agent/health/track-state.js';
import { byDevicePort, connectionView } from '../../../../agent/views/connection.js';
import { connectionDetailSchema, connectionViewSchema } from '../../../../contract/cli-output.js';
import { type DcEvent, eventSchema } from '../../../../contract/events.js';
import type { AuditRecord, IntentRecord } from '../../../../jobs/ports.js';

const T0 = Date.parse('2026-12-05T06:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const tracked = (tracker: unknown, over: Partial<TrackedConnection['record']> = {}): TrackedConnection => ({
  record: {
    connectionId: 'hc-v1',
    device: 'sw1',
    port: 'XGE1/0/1',
    portType: '10GBASE-LR',
    since: at(0),
    ...over,
  },
  tracker,
});

const intent: IntentRecord = {
  connectionId: 'hc-v1',
  device: 'sw1',
  port: 'XGE1/0/1',
  portType: '10GBASE-LR',
  description: 'HC hc-v1 acme  corp',
  state: 'configured',
  jobId: 'provision-hc-v1-1',
  configHash: 'a'.repeat(64),
  time: at(1),
};

/** A tracker state after a healthy poll, as the monitor stores it. */
function polledState() {
  const s = initialState('sw1', 'XGE1/0/1');
  s.reported = 'available';
  s.actual = 'available';
  s.lastPoll = lastPollOf(
    {
      ok: true,
      at: T0 + 60_000,
      adminStatus: 'up',
      operStatus: 'up',
      lanes: [{ rxDbm: -2.5, txDbm: null }],
      module: { vendor: 'FINISAR CORP.', part: 'FTLX1471D3BCL', serial: 'N7AB12C' },
    },
    {
      bounds: {
        rx: { lowAlarm: -16, lowWarning: -14, highWarning: -3, highAlarm: 2 },
        tx: { lowAlarm: -9, lowWarning: -7, highWarning: 0, highAlarm: 1 },
      },
      source: 'module',
    },
  );
  return JSON.parse(JSON.stringify(s)) as unknown;
}

describe('connection views (dcagent connections)', () => {
  it('shows state, intent and the last poll per lane, and fits its own schema', () => {
    const v = connectionView(tracked(polledState()), intent, undefined);
    expect(v).toMatchObject({
      connectionId: 'hc-v1',
      state: 'available',
      degraded: null,
      intent: { state: 'configured', description: 'HC hc-v1 acme  corp', bandwidthMbps: null },
      lastPoll: {
        ok: true,
        at: at(60),
        adminStatus: 'up',
        operStatus: 'up',
        lanes: [{ lane: 1, rxDbm: -2.5, txDbm: null }],
      },
      lastAudit: null,
    });
    expect(connectionViewSchema.parse(v)).toEqual(v);
  });

  it('a connection never polled (or whose state does not parse) is under construction, as the monitor takes it', () => {
    for (const tracker of [undefined, { v: 99 }]) {
      const v = connectionView(tracked(tracker), undefined, undefined);
      expect(v).toMatchObject({ state: 'under-construction', lastPoll: null, intent: null });
      expect(connectionViewSchema.parse(v)).toEqual(v);
    }
  });

  it('a failed poll shows its reason; a degraded port says so', () => {
    const s = initialState('sw1', 'XGE1/0/1', { underConstruction: true });
    s.lastPoll = lastPollOf({ ok: false, at: T0 + 5_000, reason: 'snmp-timeout' });
    s.degraded = { reason: 'snmp-timeout', since: T0 };
    const v = connectionView(tracked(s), intent, undefined);
    expect(v.lastPoll).toEqual({ ok: false, at: at(5), reason: 'snmp-timeout' });
    expect(v.degraded).toEqual({ reason: 'snmp-timeout', since: at(0) });
    const table = connectionsTable([v], T0 + 65_000);
    expect(table.split('\n')[1]).toMatch(
      /^hc-v1 +sw1 +XGE1\/0\/1 +under-construction \(degraded\) +failed snmp-timeout 60s ago +- +- +"HC hc-v1 acme {2}corp"$/,
    );
  });

  it('marks standing drifts open and those of the last ended episode resolved', () => {
    const audit: AuditRecord = {
      time: at(300),
      drifts: [{ field: 'enabled', expected: true, actual: false }],
      driftKey: 'k2',
      driftSince: at(300),
      resolvedAt: at(200),
      resolved: [{ field: 'description', expected: 'HC hc-v1 a', actual: 'rogue' }],
      healedAt: at(200),
    };
    const v = connectionView(tracked(polledState()), intent, audit);
    expect(v.lastAudit).toEqual({
      time: at(300),
      drifts: [
        { field: 'enabled', expected: true, actual: false, resolved: false },
        { field: 'description', expected: 'HC hc-v1 a', actual: 'rogue', resolved: true },
      ],
      driftSince: at(300),
      resolvedAt: at(200),
      healedAt: at(200),
    });
    const text = connectionDetailText({ ...v, events: [], eventsScanned: 3 }, T0 + 400_000);
    expect(text).toContain(
      `last audit  ${at(300)}: 1 drift since ${at(300)}, last resolved ${at(200)} (healed)`,
    );
    expect(text).toMatch(
      /FIELD +EXPECTED +ACTUAL +STATUS\n +enabled +true +false +open\n +description +"HC hc-v1 a" +"rogue" +resolved/,
    );
    expect(text).toContain('events      none in the newest 3 of the stream');
    expect(connectionsTable([v], T0 + 400_000)).toContain('1 drift 100s ago');
  });

  it('show: lanes as a small table and the events oldest first, and the detail fits its schema', () => {
    const v = connectionView(tracked(polledState()), intent, undefined);
    const ev: DcEvent = eventSchema.parse({
      specversion: '1.0',
      id: 'provision-hc-v1-1:provision.succeeded',
      source: 'dcagent/a1',
      type: 'provision.succeeded',
      subject: 'hc-v1',
      time: at(1),
      sequence: 1,
      dryRun: false,
      data: {
        device: 'sw1',
        port: 'XGE1/0/1',
        portType: '10GBASE-LR',
        description: 'HC hc-v1 acme  corp',
        verified: true,
        confirmedCommit: true,
        durationMs: 40,
      },
    });
    const detail = { ...v, events: [ev], eventsScanned: 12 };
    expect(connectionDetailSchema.parse(detail)).toEqual(detail);
    const text = connectionDetailText(detail, T0 + 70_000);
    expect(text).toContain(`last poll   ${at(60)} (10s ago): admin up, oper up`);
    expect(text).toMatch(/LANE +RX DBM +RX STATE +TX DBM +TX STATE\n +1 +-2\.50 +high-warning +— +low-alarm/);
    expect(text).toContain('module      FINISAR CORP. FTLX1471D3BCL serial N7AB12C');
    expect(moduleText({ vendor: null, part: null, serial: null })).toBe(
      'present, not identified by this MIB',
    );
    expect(moduleText({ vendor: 'DCLAB', part: null, serial: 'S1' })).toBe('DCLAB ? serial S1');
    expect(text).toContain(
      'thresholds  rx alarm -16..2 warn -14..-3; tx alarm -9..1 warn -7..0 dBm (module)',
    );
    expect(text).toContain(
      'intent      configured "HC hc-v1 acme  corp", 10GBASE-LR (job provision-hc-v1-1,',
    );
    expect(text).toContain('events      the last 1 (of the newest 12 in the stream), oldest first:');
    expect(text).toContain(`  ${at(1)}  hc-v1  #1  provision.succeeded`);
  });

  it('lists by device, then port in numeric order', () => {
    const mk = (device: string, port: string) =>
      connectionView(
        tracked(undefined, { device, port, connectionId: `hc-${port.length}` }),
        undefined,
        undefined,
      );
    const sorted = [mk('sw2', 'X1/0/1'), mk('sw1', 'X1/0/10'), mk('sw1', 'X1/0/2')].sort(byDevicePort);
    expect(sorted.map((v) => `${v.device} ${v.port}`)).toEqual(['sw1 X1/0/2', 'sw1 X1/0/10', 'sw2 X1/0/1']);
  });
});
