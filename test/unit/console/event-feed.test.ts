import { describe, expect, it } from 'vitest';
import { compareIds, matches } from '../../../console/event-feed.js';
import { promLabel } from '../../../console/history.js';
import type { DcEvent } from '../../../contract/events.js';

describe('stream ids and event filters', () => {
  it('orders stream ids by time, then sequence, as numbers not strings', () => {
    expect(compareIds('9-0', '10-0')).toBe(-1);
    expect(compareIds('10-2', '10-10')).toBe(-1);
    expect(compareIds('10-10', '10-10')).toBe(0);
    expect(compareIds('1733475600000-1', '1733475600000-0')).toBe(1);
    expect(compareIds('18446744073709551615-0', '18446744073709551614-9')).toBe(1);
  });
  it('filters by type list, connection and device', () => {
    const ev = {
      type: 'availability.changed',
      subject: 'hc-1',
      data: { device: 'sw1' },
    } as unknown as DcEvent;
    expect(matches(ev, {})).toBe(true);
    expect(matches(ev, { types: ['drift.detected', 'availability.changed'] })).toBe(true);
    expect(matches(ev, { types: ['drift.detected'] })).toBe(false);
    expect(matches(ev, { connection: 'hc-2' })).toBe(false);
    expect(matches(ev, { device: 'sw1', connection: 'hc-1' })).toBe(true);
    expect(matches(ev, { device: 'sw2' })).toBe(false);
  });
  it('quotes PromQL label values so a port name cannot change the query', () => {
    expect(promLabel('10GE1/0/1')).toBe('"10GE1/0/1"');
    expect(promLabel('a"} or vector(1) #')).toBe('"a\\"} or vector(1) #"');
    expect(promLabel('back\\slash\nline')).toBe('"back\\\\slash\\nline"');
  });
});
