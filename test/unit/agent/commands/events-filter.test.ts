import { describe, expect, it } from 'vitest';
import { matchesFilter, parseSince, streamPositionBefore } from '../../../../agent/commands/events.js';
import type { DcEvent } from '../../../../contract/events.js';
import { envelopeFor, eventDataExamples } from '../../contract/examples.js';

const event = (type: string, time: string) =>
  ({ ...envelopeFor(type, eventDataExamples[type]!), time }) as unknown as DcEvent;

describe('events filters', () => {
  it('--since takes an ISO time or a duration back from now, and nothing else', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(parseSince('15m', now)).toBe(now - 15 * 60_000);
    expect(parseSince('2h', now)).toBe(now - 2 * 3_600_000);
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseSince('90s', now)).toBe(now - 90_000);
    expect(parseSince('2026-12-04T11:00:00Z', now)).toBe(Date.parse('2026-12-04T11:00:00Z'));
    for (const bad of ['yesterday', '15', '15 m', '-5m', '12:00', '2026-13-45']) {
      expect(parseSince(bad, now), bad).toBeUndefined();
    }
  });

  it('every given filter must hold; a family matches its types only', () => {
    const ev = event('deprovision.blocked', '2026-12-04T12:00:00.000Z');
    const device = (ev.data as { device: string }).device;
    expect(matchesFilter(ev, {})).toBe(true);
    expect(matchesFilter(ev, { types: ['deprovision.blocked'] })).toBe(true);
    expect(matchesFilter(ev, { types: ['deprovision.*'] })).toBe(true);
    expect(matchesFilter(ev, { types: ['deprovision'] })).toBe(true);
    expect(matchesFilter(ev, { types: ['provision.*'] })).toBe(false);
    expect(matchesFilter(ev, { types: ['provision.failed', 'deprovision.blocked'] })).toBe(true);
    expect(matchesFilter(ev, { device })).toBe(true);
    expect(matchesFilter(ev, { device: `${device}x` })).toBe(false);
    expect(matchesFilter(ev, { since: Date.parse('2026-12-04T12:00:00Z') })).toBe(true);
    expect(matchesFilter(ev, { since: Date.parse('2026-12-04T12:00:00.001Z') })).toBe(false);
    expect(matchesFilter(ev, { device, types: ['provision.*'] })).toBe(false);
  });

  it('--since starts the stream read just before that millisecond', () => {
    expect(streamPositionBefore(1_000)).toBe('999-18446744073709551615');
    expect(streamPositionBefore(0)).toBe('-');
  });
});
