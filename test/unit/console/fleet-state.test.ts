import { describe, expect, it } from 'vitest';
import { initialState, lastPollOf, type PortTrackState } from '../../../agent/health/track-state.js';
import { cellState, connectionCell, deviceRow, pollHealthy } from '../../../console/fleet.js';
import { PORT_TYPES } from '../../../contract/port-types.js';

const bounds = {
  rx: { lowAlarm: -14, lowWarning: -12, highWarning: 0, highAlarm: 1 },
  tx: { lowAlarm: -8, lowWarning: -6, highWarning: 0, highAlarm: 1 },
};
const judged = { bounds, source: 'module' as const };

function polled(over: Partial<PortTrackState>, rx = -3, oper: 'up' | 'down' = 'up'): PortTrackState {
  return {
    ...initialState('sw', 'p1'),
    reported: 'available',
    actual: 'available',
    lastPoll: lastPollOf(
      { ok: true, at: 1, adminStatus: 'up', operStatus: oper, lanes: [{ rxDbm: rx, txDbm: -2 }] },
      judged,
    ),
    ...over,
  };
}

const o = { drift: false, trendOpen: false, polled: true };

describe('a fleet cell', () => {
  it('loss of the link outranks everything, even a port nobody polls', () => {
    expect(cellState(polled({ reported: 'unavailable' }), { ...o, polled: false, drift: true })).toBe(
      'unavailable',
    );
  });
  it('is stale when no live replica polls the device, its polls fail, or monitoring is degraded', () => {
    expect(cellState(polled({}), { ...o, polled: false })).toBe('stale');
    expect(cellState(polled({ lastPoll: { ok: false, at: 1, reason: 'snmp-timeout' } }), o)).toBe('stale');
    expect(cellState(polled({ degraded: { reason: 'snmp-timeout', since: 1 } }), o)).toBe('stale');
    expect(cellState(undefined, { ...o, polled: false })).toBe('stale');
    expect(cellState(undefined, o)).toBe('unknown');
  });
  it('then drift, then degrading light (a warning episode open, or a trend), then the lifecycle', () => {
    expect(cellState(polled({}), { ...o, drift: true, trendOpen: true })).toBe('drift');
    expect(cellState(polled({}), { ...o, trendOpen: true })).toBe('degrading');
    expect(cellState(polled({ warnings: [{ lane: 1, dir: 'rx', open: true, streak: 0 }] }), o)).toBe(
      'degrading',
    );
    expect(cellState(polled({ warnings: [{ lane: 1, dir: 'rx', open: false, streak: 1 }] }), o)).toBe(
      'available',
    );
    expect(cellState(polled({ underConstruction: true }), o)).toBe('under-construction');
    expect(cellState(polled({}), o)).toBe('available');
  });
  it('is healthy with the link up both ways and no lane in alarm; null without a good poll', () => {
    expect(pollHealthy(polled({}))).toBe(true);
    expect(pollHealthy(polled({}, -20))).toBe(false);
    expect(pollHealthy(polled({}, -13))).toBe(true);
    expect(pollHealthy(polled({}, -3, 'down'))).toBe(false);
    expect(pollHealthy(polled({ lastPoll: { ok: false, at: 1, reason: 'snmp-timeout' } }))).toBeNull();
    expect(pollHealthy(undefined)).toBeNull();
  });
});

describe('a device row', () => {
  const cell = (port: string, connectionId: string) =>
    connectionCell({
      record: {
        connectionId,
        device: 'sw',
        port,
        portType: PORT_TYPES[0],
        since: '2026-01-01T00:00:00.000Z',
      },
      state: polled({}),
      trendOpen: false,
      drift: false,
      description: `d ${connectionId}`,
    });

  it('holds every inventory port, free unless a connection holds it, in the order engineers sort', () => {
    const row = deviceRow(
      'sw',
      ['10GE1/0/10', '10GE1/0/2', '10GE1/0/1'],
      [cell('10GE1/0/2', 'dxcon-a')],
      true,
    );
    expect(row.ports.map((p) => [p.port, p.state, p.connectionId])).toEqual([
      ['10GE1/0/1', 'free', null],
      ['10GE1/0/2', 'available', 'dxcon-a'],
      ['10GE1/0/10', 'free', null],
    ]);
    expect(row.ports[1]?.description).toBe('d dxcon-a');
    expect(row.counts.free).toBe(2);
    expect(row.counts.available).toBe(1);
  });

  it('draws a connection on a port outside the inventory too, and turns stale when nobody polls it', () => {
    const row = deviceRow('sw', ['p1'], [cell('p9', 'dxcon-b')], false);
    expect(row.ports.map((p) => [p.port, p.state])).toEqual([
      ['p1', 'free'],
      ['p9', 'stale'],
    ]);
    expect(row.counts.stale).toBe(1);
  });
});
