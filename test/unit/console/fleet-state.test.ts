import { describe, expect, it } from 'vitest';
import { initialState, lastPollOf, type PortTrackState } from '../../../agent/health/track-state.js';
import { cellState, pollHealthy } from '../../../console/fleet.js';

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
